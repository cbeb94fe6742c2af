"""Days and times as staff read them: Vietnam's, whatever the machine's clock says."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time

from bot.core.models import VIETNAM


def since(args: argparse.Namespace) -> str | None:
    day: date | None = args.since
    return None if day is None else utc_start(day)


def utc_start(day: date) -> str:
    """Midnight of a Vietnam day, in the UTC ISO form `created_at` is stored and compared in."""
    return datetime.combine(day, time.min, VIETNAM).astimezone(UTC).isoformat(timespec="seconds")


def vietnam_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")
