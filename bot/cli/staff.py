"""`python -m bot escalations …` and `python -m bot purge`: the escalation log for NPO staff.

These read and change only the database file (`BOT_DATA_DIR/bot.sqlite3`), so they need no
token and work while the bot runs. Times are shown in Vietnam time; `--since` days are
Vietnam days. Exports never contain a user reference: `Store` never returns one.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.cli.staff_dates import since, utc_start, vietnam_time
from bot.cli.staff_export import export
from bot.config import retention_days, store_config
from bot.core.models import VIETNAM
from bot.storage.factory import STORE_ERRORS, NoStore, open_store, where
from bot.storage.records import LABELS, STATUSES, CountColumn
from bot.storage.store import Store

Action = Callable[[Store, argparse.Namespace], Awaitable[int]]
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
    config = store_config()

    async def run() -> int:
        # Not created when missing: reading an empty log must not leave an empty database.
        store = await open_store(config, create=False)
        try:
            return await action(store, args)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except NoStore as exc:
        print(exc, file=sys.stderr)
        return missing_code
    except STORE_ERRORS as exc:
        print(f"cannot use the escalation log at {where(config)}: {exc}", file=sys.stderr)
        return 1


async def _list(store: Store, args: argparse.Namespace) -> int:
    # One extra row tells whether the limit hid anything.
    found = await store.escalations(status=args.status, since=since(args), limit=args.limit + 1)
    if not found:
        print("no escalations")
        return 0
    rows = [TABLE_HEADER, *(
        (str(e.id), vietnam_time(e.created_at), e.level, e.trigger_rule, e.lang, _cell(e.check_in),
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


async def _stats(store: Store, _: argparse.Namespace) -> int:
    today = datetime.now(VIETNAM).date()
    for span in (7, 30):
        first = today - timedelta(days=span - 1)
        since = utc_start(first)
        by_level = await store.counts("level", since)
        print(f"last {span} days ({first} to {today}, Vietnam time): "
              f"{sum(n for _, n in by_level)} escalation(s)")
        if not by_level:
            continue
        for title, column in STATS_SECTIONS:
            print(f"  {title}")
            for key, count in by_level if column == "level" else await store.counts(column, since):
                print(f"    {key:<28} {count:>5}")
    return 0


STATS_SECTIONS: tuple[tuple[str, CountColumn], ...] = (
    ("by day", "day"), ("by trigger rule", "trigger_rule"), ("by language", "lang"),
    ("by level", "level"), ("by source", "source"))


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
    "list": (_list, False), "export": (export, False), "stats": (_stats, False),
    "ack": (_ack, True), "resolve": (_resolve, True), "label": (_label, True), "note": (_note, True),
}
