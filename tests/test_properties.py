"""Property-based tests: whatever people send, the engine answers, and a crisis phrase hidden in
noise still escalates."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.telegram.render import split_text, to_html

# Combining marks, zero-width and direction controls, emoji with joiners and skin tones, NUL:
# the characters that break naive text handling.
NASTY = st.sampled_from(
    [
        "\u0300",
        "\u0323",
        "\u200b",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u202e",
        "\u200f",
        "\x00",
        "\x07",
        "👍🏽",
        "🏳️‍🌈",
        "👨‍👩‍👧",
        "\ufffd",
        "ắ",
        "Đ",
        "\n",
        " ",
    ]
)
MESSAGES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(NASTY, st.text(max_size=5)), max_size=200).map("".join),
    st.text(min_size=4000, max_size=4096),
)
CRISIS = [
    "tôi muốn tự tử",
    "toi muon tu tu",
    "mình muốn chết",
    "i want to kill myself",
    "em vừa rạch tay",
    "không muốn sống nữa",
    "i want to end my life",
]
SEPARATORS = st.sampled_from([" ", "\n", ". ", " 😭 ", "!!! ", " ... ", "\u200b "])
NOISE = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd", "So", "Zs", "Po")), max_size=200)
PROFILE = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROFILE
@given(text=MESSAGES)
def test_every_message_gets_a_reply_that_fits_telegram(engine: Engine, text: str) -> None:
    response = engine.respond(text)
    assert not response.decision.failed
    assert response.decision.lang in ("vi", "en")
    for message in response.reply.messages():
        assert message.text.strip()
        pieces = split_text(message.text)
        for piece in pieces:
            rendered = to_html(piece)
            assert len(rendered) <= 4096
            assert "<" not in rendered and ">" not in rendered
            assert html.unescape(rendered) == piece
        for button in message.buttons:
            assert len(str(button.action).encode()) <= 64


@PROFILE
@given(
    phrase=st.sampled_from(CRISIS),
    before=NOISE,
    after=NOISE,
    left=SEPARATORS,
    right=SEPARATORS,
    zero_width_at=st.integers(min_value=1, max_value=6),
)
def test_a_crisis_phrase_anywhere_in_noise_escalates(
    engine: Engine, phrase: str, before: str, after: str, left: str, right: str, zero_width_at: int
) -> None:
    hidden = phrase[:zero_width_at] + "\u200b" + phrase[zero_width_at:]
    text = before + left + hidden + right + after
    assert engine.decide(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00" * 50,
        "\u202e" + "tôi muốn tự tử",
        "a" * 4096,
        "🏳️‍🌈" * 400,
        "e\u0301" * 2000,
        "<b>&amp;</b>",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ],
)
def test_known_nasty_messages(engine: Engine, text: str) -> None:
    response = engine.respond(text)
    assert response.reply.text and not response.decision.failed
