"""`python -m bot escalations export`: the log as CSV or JSON, or its labels as evaluation cases.

Exports never carry a user reference (the store never returns one). A CSV is safe to open in a
spreadsheet: no cell written by a person can be read as a formula.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import astuple, fields

from bot.cli.staff_dates import since
from bot.storage.private_files import open_private
from bot.storage.records import LABELS, Escalation
from bot.storage.store import Store

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = tuple(f.name for f in fields(Escalation))


async def export(store: Store, args: argparse.Namespace) -> int:
    found = await store.escalations(status=args.status, since=since(args))
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
