"""Turning replies into Telegram messages."""

from bot.core.actions import Action, Kind
from bot.core.replies import ReplyButton
from bot.telegram.render import keyboard, split_text, to_html


def test_everything_is_escaped() -> None:
    assert to_html("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_short_text_is_one_piece() -> None:
    assert split_text("xin chào") == ["xin chào"]


def test_long_text_splits_at_paragraphs_and_every_piece_fits() -> None:
    paragraphs = [f"Đoạn {n}: " + "chữ " * 300 for n in range(12)]
    pieces = split_text("\n\n".join(paragraphs))
    assert len(pieces) > 1
    assert all(len(to_html(p)) <= 4096 for p in pieces)
    assert all(p.startswith("Đoạn") for p in pieces)  # cut between paragraphs, not inside
    assert " ".join(" ".join(pieces).split()) == " ".join(" ".join(paragraphs).split())


def test_text_that_grows_when_escaped_still_fits() -> None:
    pieces = split_text("&" * 5000)
    assert all(len(to_html(p)) <= 4096 for p in pieces)
    assert sum(len(p) for p in pieces) == 5000


def test_buttons_over_64_bytes_are_left_out() -> None:
    markup = keyboard((ReplyButton("ok", Action(Kind.INTENT, "coping_sleep")),
                       ReplyButton("long", Action(Kind.INTENT, "x" * 80))))
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == ["intent:coping_sleep"]
