"""A PNG bar chart of escalations per day, for the staff digest. No network; the only file it
may read is a system font."""

from __future__ import annotations

import io
import math
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from bot.core.folding import fold

WIDTH, HEIGHT = 900, 400
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 64, 48
DATE_LABELS = 6
BACKGROUND, INK, BAR, AXIS = "#ffffff", "#222222", "#3b73b9", "#9a9a9a"


def escalations_chart(days: list[tuple[str, int]], title: str) -> bytes:
    """One bar per (day, count), in the order given; `day` is ISO (YYYY-MM-DD) or any short text."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, title = _font(22, title)
    font, _ = _font(14, "")
    draw.text((WIDTH / 2, TOP / 2), title, font=title_font, fill=INK, anchor="mm")
    baseline = HEIGHT - BOTTOM
    draw.line((LEFT, baseline, WIDTH - RIGHT, baseline), fill=AXIS, width=1)
    if days:
        slot = (WIDTH - LEFT - RIGHT) / len(days)
        # Head room above the tallest bar keeps its value label inside the picture.
        scale = (baseline - TOP - 24) / max(1, max(count for _, count in days))
        labelled = set(range(len(days) - 1, -1, -math.ceil(len(days) / DATE_LABELS)))
        for index, (day, count) in enumerate(days):
            centre = LEFT + slot * (index + 0.5)
            if count > 0:
                top = baseline - max(1.0, count * scale)
                draw.rectangle((centre - slot * 0.35, top, centre + slot * 0.35, baseline - 1), fill=BAR)
                draw.text((centre, top - 4), str(count), font=font, fill=INK, anchor="mb")
            if index in labelled:
                draw.line((centre, baseline, centre, baseline + 4), fill=AXIS)
                draw.text((centre, baseline + 8), _short_day(day), font=font, fill=INK, anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _font(size: int, text: str) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]:
    """DejaVu Sans (which has Vietnamese letters) where the system has it, else Pillow's own
    font with the text made drawable for it."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), text
    except OSError:
        return ImageFont.load_default(size=size), _drawable(text)


def _drawable(text: str) -> str:
    # Pillow's built-in font has ASCII glyphs only: Vietnamese would show as boxes, while
    # Vietnamese without diacritics is what people read in text messages every day.
    return "".join(c for c in fold(text) if c.isascii() and c.isprintable())


def _short_day(day: str) -> str:
    try:
        return date.fromisoformat(day).strftime("%d/%m")
    except ValueError:
        return _drawable(day)[:10]
