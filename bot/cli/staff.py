"""`python -m bot escalations …` and `python -m bot purge`: the escalation log for NPO staff.

These read and change only the database file (`BOT_DATA_DIR/bot.sqlite3`), so they need no
token and work while the bot runs. Times are shown in Vietnam time; `--since` days are
Vietnam days. Exports never contain a user reference: `Store` never returns one.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import io
import json
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import astuple, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.config import database_file, retention_days
from bot.core.models import VIETNAM
from bot.storage.private_files import open_private
from bot.storage.sqlite import LABELS, STATUSES, Escalation, Store

Action = Callable[[Store, argparse.Namespace], Awaitable[int]]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = tuple(f.name for f in fields(Escalation))
TABLE_HEADER = ("id", "time (UTC+7)", "level", "rule", "lang", "check-in", "status", "handled by",
                "label", "from")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    e = sub.add_parser("escalations", help="read and update the escalation log (no token needed)")
    actions = e.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="a table, newest first")
    _filters(listing)
    listing.add_argument("--limit", type=_positive, default=50, help="rows to show (default 50)")

    export = actions.add_parser("export", help="CSV or JSON of every column, or the labelled cases")
    kind = export.add_mutually_exclusive_group(required=True)
    kind.add_argument("--format", choices=("csv", "json"))
    kind.add_argument("--labels", action="store_true",
                      help="labelled escalations as JSON lines in the evaluation's format")
    _filters(export)
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    actions.add_parser("stats", help="counts for the last 7 and 30 days")

    for name, text in (("ack", "mark as acknowledged"), ("resolve", "mark as resolved")):
        change = actions.add_parser(name, help=text)
        change.add_argument("id", type=int)
        if name == "resolve":
            change.add_argument("--note", type=_text, help="a note to add with the resolution")
        _by(change)
    label = actions.add_parser("label", help="was it a real crisis or a false alarm?")
    label.add_argument("id", type=int)
    label.add_argument("label", choices=LABELS)
    _by(label)
    note = actions.add_parser("note", help="add a note")
    note.add_argument("id", type=int)
    note.add_argument("text", type=_text)
    _by(note)

    sub.add_parser("purge", help="delete escalations older than BOT_RETENTION_DAYS (default 90)")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day (Vietnam time)")


def _by(p: argparse.ArgumentParser) -> None:
    p.add_argument("--by", help='who is acting (default: "cli:" and your login name)')


def _positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a whole number above 0")
    return int(raw)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a day written YYYY-MM-DD") from None


def _text(raw: str) -> str:
    if not raw.strip():
        raise argparse.ArgumentTypeError("write some text")
    return raw.strip()


def cmd_escalations(args: argparse.Namespace) -> int:
    action, changes = ACTIONS[args.action]
    # Reading an empty log is a normal answer; changing an escalation that cannot exist is not.
    return _run(action, args, missing_code=1 if changes else 0)


def cmd_purge(args: argparse.Namespace) -> int:
    days = retention_days()

    async def purge(store: Store, _: argparse.Namespace) -> int:
        removed = await store.purge(days)
        print(f"purged {removed} escalation(s) older than {days} days")
        return 0

    return _run(purge, args, missing_code=0)


def _run(action: Action, args: argparse.Namespace, missing_code: int) -> int:
    path = database_file()
    # Checked first because opening the Store would create an empty database.
    if not path.is_file():
        print(f"no escalation log yet at {path}", file=sys.stderr)
        return missing_code

    async def run() -> int:
        store = await Store.open(path)
        try:
            return await action(store, args)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except sqlite3.Error as exc:
        print(f"cannot use the escalation log at {path}: {exc}", file=sys.stderr)
        return 1


def _since(args: argparse.Namespace) -> str | None:
    day: date | None = args.since
    return None if day is None else _utc_start(day)


def _utc_start(day: date) -> str:
    """Midnight of a Vietnam day, in the UTC ISO form `created_at` is stored and compared in."""
    return datetime.combine(day, time.min, VIETNAM).astimezone(UTC).isoformat(timespec="seconds")


def _vietnam_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")


async def _list(store: Store, args: argparse.Namespace) -> int:
    # One extra row tells whether the limit hid anything.
    found = await store.escalations(status=args.status, since=_since(args), limit=args.limit + 1)
    if not found:
        print("no escalations")
        return 0
    rows = [TABLE_HEADER, *(
        (str(e.id), _vietnam_time(e.created_at), e.level, e.trigger_rule, e.lang, _cell(e.check_in),
         e.status, _cell(e.handled_by), _cell(e.label), e.source) for e in found[:args.limit])]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
    if len(found) > args.limit:
        print(f"(the newest {args.limit} shown; --limit N for more)")
    if terminal := sum(e.source == "terminal" for e in found[:args.limit]):
        print(f"({terminal} from the terminal chat, `python -m bot chat`: typed on this machine, "
              "not by a person on Telegram)")
    return 0


def _cell(value: str | None) -> str:
    # Staff names come from Telegram profiles: control characters could drive the terminal.
    return "-" if value is None else "".join(c if c.isprintable() else "?" for c in value)


async def _export(store: Store, args: argparse.Namespace) -> int:
    found = await store.escalations(status=args.status, since=_since(args))
    if args.labels:
        text = _cases(found)
    elif args.format == "csv":
        text = _csv(found)
    else:
        text = json.dumps([_record(e) for e in found], ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        # The byte-order mark makes Excel read the file as UTF-8 rather than mangle Vietnamese.
        # A new file is owner-only, as the log it comes from.
        with open(args.output, "w", encoding="utf-8-sig" if args.format == "csv" else "utf-8",
                  newline="", opener=open_private) as handle:
            handle.write(text)
    except OSError as exc:
        print(f"cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _record(e: Escalation) -> dict[str, object]:
    values = dict(zip(EXPORT_COLUMNS, astuple(e), strict=True))
    values["notes"] = " | ".join(e.notes)
    return values


def _csv(found: list[Escalation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for e in found:
        writer.writerow(_neutralised(value) for value in _record(e).values())
    return out.getvalue()


def _neutralised(value: object) -> str:
    """A cell a spreadsheet cannot run: excerpts, notes and names are typed by people, and a
    cell starting with = + - @ (or a tab or carriage return before one) is read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cases(found: list[Escalation]) -> str:
    # Without its excerpt a false alarm is only the phrase that fired, which is crisis language:
    # as a hard negative it would reward the matcher for missing real crises.
    bare = [e for e in found if e.label == "false_alarm" and not e.excerpt]
    if bare:
        print(f"left out {len(bare)} false alarm(s) with no stored excerpt (BOT_STORE_EXCERPTS): "
              "the trigger phrase alone is not a hard negative", file=sys.stderr)
    return "".join(json.dumps(_case(e), ensure_ascii=False) + "\n"
                   for e in found if e.label in LABELS and e not in bare)


def _case(e: Escalation) -> dict[str, object]:
    """A labelled escalation as a case `../shared/eval/score.py` scores: a false alarm becomes a
    hard negative, which counts against false escalations."""
    real = e.label == "real"
    return {"text": e.excerpt or e.trigger_phrase, "expect": "crisis" if real else None, "accept": [],
            "lang": e.lang, "tags": ["field", "real" if real else "hard-negative"]}


async def _stats(store: Store, _: argparse.Namespace) -> int:
    today = datetime.now(VIETNAM).date()
    for span in (7, 30):
        first = today - timedelta(days=span - 1)
        since = _utc_start(first)
        by_level = await store.counts("level", since)
        print(f"last {span} days ({first} to {today}, Vietnam time): "
              f"{sum(n for _, n in by_level)} escalation(s)")
        if not by_level:
            continue
        for title, column in (("by day", "day"), ("by trigger rule", "trigger_rule"),
                              ("by language", "lang"), ("by level", "level"), ("by source", "source")):
            print(f"  {title}")
            for key, count in by_level if column == "level" else await store.counts(column, since):
                print(f"    {key:<28} {count:>5}")
    return 0


def _operator(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):  # containers often run as a uid with no name
        return "cli"


def _unknown(escalation_id: int) -> int:
    print(f"no escalation with id {escalation_id}", file=sys.stderr)
    return 1


async def _ack(store: Store, args: argparse.Namespace) -> int:
    by = _operator(args)
    if not await store.set_status(args.id, "acknowledged", by):
        return _unknown(args.id)
    print(f"escalation {args.id} acknowledged by {by}")
    return 0


async def _resolve(store: Store, args: argparse.Namespace) -> int:
    by = _operator(args)
    if not await store.set_status(args.id, "resolved", by):
        return _unknown(args.id)
    if args.note:
        await store.add_note(args.id, by, args.note)
    print(f"escalation {args.id} resolved by {by}")
    return 0


async def _label(store: Store, args: argparse.Namespace) -> int:
    if not await store.set_label(args.id, args.label, _operator(args)):
        return _unknown(args.id)
    print(f"escalation {args.id} labelled {args.label}")
    return 0


async def _note(store: Store, args: argparse.Namespace) -> int:
    if not await store.add_note(args.id, _operator(args), args.text):
        return _unknown(args.id)
    print(f"note added to escalation {args.id}")
    return 0


# action name -> (what it does, whether it changes the log)
ACTIONS: dict[str, tuple[Action, bool]] = {
    "list": (_list, False), "export": (_export, False), "stats": (_stats, False),
    "ack": (_ack, True), "resolve": (_resolve, True), "label": (_label, True), "note": (_note, True),
}
