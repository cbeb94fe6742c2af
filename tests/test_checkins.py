"""When a check-in is offered for (how the store keeps it is in test_storage.py; the end-to-end
flow through Telegram is in test_activities.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.models import VIETNAM
from bot.telegram.checkins import next_check_in

TIMES = (time(9), time(12), time(18), time(21))


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VIETNAM)


@pytest.mark.parametrize(("now", "expected"), [
    (at(6, 30), at(9)),              # early morning: the first time, 2.5 hours away
    (at(7, 30), at(12)),             # 09:00 is only 1.5 hours away: too soon
    (at(10), at(12)),
    (at(19, 1), at(9, day=26)),      # 21:00 is under two hours away: tomorrow morning
    (at(2), at(9)),                  # someone writing at 2 a.m. hears back at 9
    (at(23, 59), at(9, day=26)),
])
def test_the_first_time_at_least_two_hours_away(now: datetime, expected: datetime) -> None:
    assert next_check_in(now, TIMES) == expected


def test_times_are_vietnam_times_whatever_the_clock_zone() -> None:
    now_utc = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert next_check_in(now_utc, TIMES) == at(12)


def test_no_times_means_no_offer() -> None:
    assert next_check_in(at(10), ()) is None
