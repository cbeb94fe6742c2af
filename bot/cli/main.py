"""`python -m bot …`: run the bot, the operator's tools (match, try, validate, chat), or the
staff's escalation log (escalations, purge: see `bot.cli.staff`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from bot.cli import staff as staff_cli
from bot.config import (
    ConfigError,
    content_paths,
    data_dir,
    log_level,
    pseudonym_secret,
    session_timeout_minutes,
    store_excerpts,
)
from bot.content.loader import Loaded, load_engine
from bot.content.problems import ContentError, Severity
from bot.content.validate import check_engine
from bot.core.dialogue import Dialogue, Said
from bot.core.engine import Decision, Engine
from bot.core.memory import Memory
from bot.core.model import shown


def _loaded() -> Loaded:
    paths = content_paths()
    return load_engine(paths.intents_dir, paths.resources_file)


def _engine() -> Engine:
    return _loaded().engine


def _lines(stream: TextIO) -> list[str]:
    """Input lines as text whatever the bytes: invalid UTF-8 becomes U+FFFD, never a crash."""
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    return data.decode("utf-8", errors="replace").splitlines()


def _row(decision: Decision) -> dict[str, object]:
    return {"text": decision.text, "intent": decision.intent, "crisis": decision.crisis,
            "level": decision.level, "detector": decision.detector, "score": round(decision.score, 1),
            "lang": decision.lang}


def cmd_match(_: argparse.Namespace) -> int:
    engine = _engine()
    out = sys.stdout
    for line in _lines(sys.stdin):
        response = engine.respond(line.strip())
        out.write(json.dumps(_row(response.decision), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def cmd_converse(_: argparse.Namespace) -> int:
    from bot.cli.converse import converse

    out = sys.stdout
    for row in converse(_engine(), _lines(sys.stdin), session_timeout_minutes() * 60.0):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _in_context(engine: Engine, earlier: list[str], text: str) -> Said:
    """The message as the last of a conversation: the earlier ones a few seconds apart before it."""
    from bot.cli.converse import GAP

    dialogue, now = Dialogue(Memory(session_timeout_minutes() * 60.0)), datetime.now(UTC)
    for n, before in enumerate(earlier):
        said = dialogue.message(engine, "you", before, None, now, GAP * n)
        print(f"earlier:     {before!r} -> {said.level or said.decision.intent or 'fallback'}"
              f"{f' (answer {said.answered})' if said.answered else ''}")
    return dialogue.message(engine, "you", text, None, now, GAP * len(earlier))


def cmd_try(args: argparse.Namespace) -> int:
    engine = _engine()
    text = " ".join(args.message)
    said = _in_context(engine, args.after or [], text)
    response = said.response
    d = response.decision
    n = d.normalised
    print(f"message:     {text!r}")
    if n is not None:
        print(f"normalised:  {n.accented!r}")
        print(f"folded:      {n.folded!r}")
        form = "yes: matched on the accented form" if n.has_diacritics else "no: matched on the folded form"
        print(f"diacritics:  {form}")
    print(f"language:    {d.lang}")
    findings = [d.check.finding()] if d.check is not None else []
    for line in (line for finding in (*findings, *d.opinions) for line in finding.evidence):
        print(line)
    if d.check is not None and d.check.suppressed and any(o.signal for o in d.opinions):
        print("second opinion: not heard; a guard or a context explained the crisis words")
    if said.answered is not None:
        print(f"decision:    the answer to the bot's question: {said.answered}"
              f"{f' (level {said.level})' if said.level else ''}")
    elif said.across is not None:
        steps = " then ".join("|".join(sorted(step)) for step in said.across.steps)
        how = "CRISIS" if said.decision.crisis else "asked again whether safe, at the level reached:"
        print(f"decision:    {how} {said.level} across messages via rule {said.across.id} ({steps})")
    elif said.level is not None and not d.crisis:
        print(f"decision:    the bot's question asked once more, at {said.level} (the last message "
              "did not answer it)")
    elif d.crisis and d.finding and d.finding.signal:
        s = d.finding.signal
        extra = [x for x, on in (("negated", s.negated), ("about someone else", s.about_other)) if on]
        if d.finding.detector != engine.rules.name:
            extra.append(f"raised by the {d.finding.detector} detector")
        note = f" ({', '.join(extra)})" if extra else ""
        print(f"decision:    CRISIS {s.level} via rule {s.rule}{note}; detector: {d.detector}")
    else:
        for c in d.candidates:
            print(f"candidate:   {c.intent:<22} {c.score:5.1f}  {c.how} '{c.example}'")
        if d.guess is not None:
            weighed = ", ".join(f"{shown(f)} {w:+.2f}" for f, w in d.guess.weighed)
            backed = ", the matcher's best candidate agreeing" if d.guess.backed else ""
            print(f"classifier:  {d.guess.intent} {d.guess.probability:.2f} (speaks at "
                  f"{d.guess.threshold:.2f}{backed} when no candidate reaches its threshold); "
                  f"weighed most: {weighed}")
        if d.intent is not None and d.guess is not None:
            print(f"decision:    {d.intent} (by the classifier: no candidate reached its threshold)")
        else:
            print(f"decision:    {d.intent or 'fallback'} (score {d.score:.1f}, "
                  f"threshold {engine.matcher.threshold_for(d.intent or '')})")
    print("\nreply:\n" + response.reply.text)
    for button in response.reply.buttons:
        print(f"  [{button.label}] -> {button.action}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        loaded = _loaded()
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        errors = sum(p.severity is Severity.ERROR for p in exc.problems)
        print(f"\n{errors} error(s); the bot will not load this content")
        return 1
    engine = loaded.engine
    problems = [*loaded.warnings, *check_engine(engine, datetime.now(UTC).date())]
    for problem in sorted(problems, key=lambda p: (p.path, p.line)):
        print(problem)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    content = engine.content
    print(f"{len(content.intents)} intents, {sum(len(i.examples) for i in content.intents)} examples, "
          f"{len(engine.rules.phrases.phrases)} crisis phrases, "
          f"{len(content.crisis.cases)} crisis cases, {len(content.hotlines)} hotlines, "
          f"{len(content.exercises)} exercises, {len(content.safety_plan.steps)} safety plan steps: "
          f"{errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.cli.chat import run_chat
    from bot.cli.terminal_log import TerminalLog

    escalations = None if args.no_log else TerminalLog(data_dir(), pseudonym_secret(), store_excerpts())
    return run_chat(_engine(), escalations=escalations)


def cmd_run(args: argparse.Namespace) -> int:
    if not os.environ.get("TELEGRAM_BOT_TOKEN"):
        print("No TELEGRAM_BOT_TOKEN set: opening the terminal chat instead.", file=sys.stderr)
        return cmd_chat(args)
    from bot.telegram.app import run_telegram

    return run_telegram(args.mode)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    p.set_defaults(mode=None, no_log=False)
    sub = p.add_subparsers(dest="command")
    sub.add_parser("match", help="read messages (one per line) on stdin, write JSON lines")
    t = sub.add_parser("try", help="explain how one message is understood and answered")
    t.add_argument("message", nargs="+")
    t.add_argument("--after", nargs="+", metavar="EARLIER",
                   help="earlier messages of the same conversation, oldest first, to explain it in context")
    sub.add_parser("converse", help="read conversations ({\"messages\": [...]} per line) on "
                   "stdin, write one JSON line each")
    v = sub.add_parser("validate", help="check intents/ and resources.yaml; file:line problems")
    v.add_argument("--strict", action="store_true", help="fail on warnings too")
    c = sub.add_parser("chat", help="talk to the bot in this terminal")
    c.add_argument("--no-log", action="store_true",
                   help="do not log crisis messages as escalations (marked as from the terminal)")
    r = sub.add_parser("run", help="run the bot (terminal chat when no TELEGRAM_BOT_TOKEN is set)")
    r.add_argument("--mode", choices=("polling", "webhook"), default=None,
                   help="default: webhook when WEBHOOK_URL is set, else long polling")
    staff_cli.add_commands(sub)
    return p


COMMANDS = {"match": cmd_match, "converse": cmd_converse, "try": cmd_try, "validate": cmd_validate,
            "chat": cmd_chat, "run": cmd_run, "escalations": staff_cli.cmd_escalations,
            "purge": staff_cli.cmd_purge}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        logging.basicConfig(level=log_level(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return COMMANDS[args.command or "run"](args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print("the content has errors; run `python -m bot validate` to see them all:",
              file=sys.stderr)
        for problem in exc.problems[:10]:
            print(f"  {problem}", file=sys.stderr)
        return 2
