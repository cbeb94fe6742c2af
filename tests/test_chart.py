import io
from datetime import date, timedelta

from PIL import Image

from bot.telegram.chart import LEFT, RIGHT, WIDTH, escalations_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAR = (0x3B, 0x73, 0xB9)


def month(counts: list[int]) -> list[tuple[str, int]]:
    start = date(2026, 10, 23)
    return [(str(start + timedelta(days=n)), count) for n, count in enumerate(counts)]


def decode(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def bar_pixels(image: Image.Image) -> int:
    colours = image.convert("RGB").getcolors(image.width * image.height) or []
    return sum(count for count, colour in colours if colour == BAR)


def test_a_month_of_counts_is_a_png_bar_chart() -> None:
    image = decode(escalations_chart(month([n % 4 for n in range(30)]), "Escalations per day, last 30 days"))
    assert image.format == "PNG" and image.size == (900, 400)
    assert bar_pixels(image) > 1000


def test_bars_are_as_tall_as_their_counts() -> None:
    image = decode(escalations_chart(month([1] * 29 + [20]), "t")).convert("RGB")
    slot = (WIDTH - LEFT - RIGHT) / 30

    def height(index: int) -> int:
        x = int(LEFT + slot * (index + 0.5))
        return sum(1 for y in range(image.height) if image.getpixel((x, y)) == BAR)

    assert height(0) >= 1
    assert 18 <= height(29) / height(0) <= 22


def test_zeros_and_nothing_still_make_a_picture() -> None:
    for days in (month([0] * 30), []):
        image = decode(escalations_chart(days, "Cảnh báo mỗi ngày, 30 ngày qua"))
        assert image.size == (900, 400) and bar_pixels(image) == 0


def test_the_chart_is_pure() -> None:
    days = month(list(range(30)))
    assert escalations_chart(days, "x") == escalations_chart(days, "x")
