"""The escalation store: how fast escalations are written, and that the crisis reply never waits
for the write.

(a) Writes: escalations recorded through `EscalationLog.record` (what the bot calls after a
crisis reply) into the real SQLite `Store` (one aiosqlite connection, WAL, synchronous=FULL),
in a fresh database in a temporary directory, by 1, 10, 100 and 1,000 concurrent asyncio tasks,
each with its own update keys. Reported: writes a second, median and p99 time of one `record`
call, and the rows found afterwards. For scale, the time of one raw `fsync` on the same disk.

(b) "The latency added to nothing": crisis messages, each from a different person, go through
the real Application and the fake Bot API server in its own process (the setup of
bench/telegram_e2e.py), once with the normal store and once with `Store.add_escalation` of the
running bot made 0.2 s slower (it sleeps, then writes). Reported: the time from the update being
handed out by getUpdates (served) and from it being queued, to the first sendMessage of its
crisis reply reaching the server; and the escalation rows stored by the time the bot stopped.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.table import Section, median, ms, percentile
from bench.telegram_e2e import FIRST_USER, Planned, count_escalations, drive, quiet_logs, replies_for
from bot.config import content_paths
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.storage.escalation_log import EscalationLog
from bot.storage.privacy import pseudonym
from bot.storage.records import NewEscalation
from bot.storage.sqlite import DATABASE_FILE, SqliteStore
from bot.telegram.lifecycle import App

SLOWDOWN = 0.2  # seconds added to every escalation write in the "slow store" runs
SECRET = b"bench-secret-key"


# ---------------------------------------------------------------------------- (a) writes


def escalation_template(engine: Engine) -> NewEscalation:
    """An escalation as the bot would record it for a real crisis message."""
    decision = engine.respond("tôi muốn tự tử").decision
    return NewEscalation(update_key="", created_at="", user_ref="", chat_type="private", lang=decision.lang,
                         level=decision.level or "urgent", trigger_rule=decision.rule or "unknown",
                         trigger_phrase=decision.phrase or "", about_other=decision.about_other,
                         excerpt=None)


@dataclass(frozen=True)
class WriteResult:
    writers: int
    writes: int
    seconds: float
    latencies: list[float]
    rows: int
    commits: int


async def write_escalations(template: NewEscalation, writers: int, writes: int) -> WriteResult:
    """`writers` tasks sharing `writes` escalations between them, into a fresh database."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as data:
        data_dir = Path(data)
        store = await SqliteStore.open(data_dir / DATABASE_FILE)
        log = EscalationLog(store, data_dir)
        latencies: list[float] = []
        commits = 0

        def traced(statement: str) -> None:
            nonlocal commits  # called in aiosqlite's one thread, one statement at a time
            if statement.startswith("COMMIT"):
                commits += 1

        # The store's own connection (a private attribute): only it shows which COMMITs actually
        # ended a transaction; sqlite3 sends none when there is nothing to commit.
        await store._db.set_trace_callback(traced)

        async def writer(number: int) -> None:
            for n in range(number, writes, writers):
                new = NewEscalation(**{**template.to_json(), "update_key": f"u{n}",
                                       "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                       "user_ref": pseudonym(FIRST_USER + n, SECRET)})
                began = time.perf_counter()
                if await log.record(new) is None:
                    raise RuntimeError("an escalation went to the spool or was taken for a duplicate")
                latencies.append(time.perf_counter() - began)

        try:
            began = time.perf_counter()
            await asyncio.gather(*(writer(w) for w in range(writers)))
            seconds = time.perf_counter() - began
        finally:
            await store.close()
        rows = count_escalations(data_dir / DATABASE_FILE)
        if log.spool_size():
            raise RuntimeError("escalations were spooled: the database failed during the benchmark")
    return WriteResult(writers, writes, seconds, latencies, rows, commits)


def fsync_seconds(samples: int) -> list[float]:
    """Append 4 KiB and fsync, `samples` times, in the temporary directory: the disk's floor."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-fsync-") as data:
        fd = os.open(Path(data) / "probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            block = b"x" * 4096
            for _ in range(samples):
                os.write(fd, block)
                began = time.perf_counter()
                os.fsync(fd)
                times.append(time.perf_counter() - began)
        finally:
            os.close(fd)
    return times


def writes_section(engine: Engine, quick: bool) -> Section:
    template = escalation_template(engine)
    writes = 200 if quick else 5000
    section = Section("Escalation store: writes into SQLite (WAL, synchronous=FULL)",
                      ("concurrent writers", "writes", "seconds", "writes/s", "median ms", "p99 ms",
                       "transactions committed", "rows stored"))
    # A quick run has too few writes for a thousand writers to each have one.
    for writers in (1, 10, 100) if quick else (1, 10, 100, 1000):
        result = asyncio.run(write_escalations(template, writers, writes))
        section.add(writers, result.writes, f"{result.seconds:.2f}", f"{result.writes / result.seconds:.0f}",
                    ms(median(result.latencies)), ms(percentile(result.latencies, 0.99)), result.commits,
                    f"{result.rows}/{result.writes}")
    syncs = fsync_seconds(50 if quick else 300)
    section.notes += [
        "Each write is EscalationLog.record → Store.add_escalation: INSERT ... ON CONFLICT DO NOTHING, then "
        "COMMIT, on the bot's one aiosqlite connection (its own thread); a fresh database for each row.",
        "Latency: one record() call, including the wait for the connection's thread behind the other "
        "writers. Writes take turns (Store runs each writing method alone, so one writer's failed "
        "COMMIT cannot roll back another's row): one transaction, one fsync of the WAL, per escalation. "
        "'transactions committed' counts the COMMITs SQLite actually ran.",
        f"One 4 KiB append + fsync on this disk: median {ms(median(syncs))} ms, p99 "
        f"{ms(percentile(syncs, 0.99))} ms ({len(syncs)} samples); a slower disk lowers the one-writer row "
        "most.",
    ]
    return section


# ---------------------------------------------------------------------------- (b) crisis latency


def crisis_texts(engine: Engine) -> list[str]:
    """The urgent crisis examples of the content (intents/crisis.yaml), Vietnamese and English,
    with and without diacritics: every one is answered with the full crisis reply (a concern
    reply asks a question instead, an emergency one puts 115 first: other shapes)."""
    texts = [case.text for case in engine.content.crisis.cases if case.expect == "urgent"]
    texts += ["i want to kill myself", "tôi muốn tự tử"]
    return [t for t in dict.fromkeys(texts)
            if (d := engine.respond(t).decision).crisis and d.level == "urgent" and not d.about_other]


def slow_store(delay: float) -> Callable[[App], Awaitable[None]]:
    """Make the running bot's escalation writes `delay` seconds slower: they sleep, then write."""

    async def prepare(app: App) -> None:
        assert app.bot_data.runtime is not None
        store = app.bot_data.runtime.store
        write = store.add_escalation

        async def slower(new: NewEscalation) -> int | None:
            await asyncio.sleep(delay)
            return await write(new)

        # EscalationLog holds this same Store object, so it calls the slower method.
        store.add_escalation = slower  # type: ignore[method-assign]

    return prepare


@dataclass(frozen=True)
class CrisisCase:
    name: str
    count: int
    rate: float | None  # crisis messages a second; None: all queued before polling starts


def crisis_cases(quick: bool) -> list[CrisisCase]:
    if quick:
        return [CrisisCase("steady 50/s", 20, 50.0), CrisisCase("burst, all queued", 40, None)]
    return [CrisisCase("steady 50/s", 300, 50.0), CrisisCase("burst, all queued", 300, None)]


def crisis_section(engine: Engine, quick: bool) -> Section:
    texts = crisis_texts(engine)
    per_update = {replies_for(engine, t) for t in texts}
    # Every crisis reply has the same number of messages (the reply and its check-in), so the
    # first of each person's messages is their reply's first piece.
    assert len(per_update) == 1, per_update
    messages = per_update.pop()
    section = Section("Escalation store: does the crisis reply wait for the store?",
                      ("crisis messages", "store", "served→reply median ms", "served→reply p99 ms",
                       "queued→reply median ms", "queued→reply p99 ms", "seconds", "escalations stored"))
    for case in crisis_cases(quick):
        plan = [Planned(FIRST_USER + n, texts[n % len(texts)], None if case.rate is None else n / case.rate)
                for n in range(case.count)]
        slower = (f"+{SLOWDOWN * 1000:.0f} ms a write", slow_store(SLOWDOWN))
        for label, prepare in (("normal", None), slower):
            outcome = asyncio.run(drive(plan, case.count * messages, engine, prepare=prepare))
            first = outcome.first_replies(per_update=messages)
            name = f"{case.name}: {case.count}"
            if outcome.errors or len(outcome.replies) != case.count * messages:
                section.notes.append(f"{name}, {label}: {len(outcome.replies)} sendMessages for "
                                     f"{case.count * messages} expected; fake server errors: "
                                     f"{outcome.errors[:3]}")
            if not outcome.complete or len(first) < case.count:
                section.add(name, label, "incomplete", f"{len(outcome.replies)} replies", "", "", "",
                            f"{outcome.escalations}/{case.count}")
                continue
            served = [first[u] - outcome.served[u] for u in first]
            queued = [first[u] - max(outcome.queued[u], outcome.poll_started) for u in first]
            elapsed = max(at for _, at in outcome.replies) - outcome.poll_started
            section.add(name, label, ms(median(served)), ms(percentile(served, 0.99)), ms(median(queued)),
                        ms(percentile(queued, 0.99)), f"{elapsed:.2f}", f"{outcome.escalations}/{case.count}")
    section.notes += [
        "Each crisis message comes from a different person; the crisis examples of intents/crisis.yaml "
        f"cycled. Every one gets {messages} sendMessages (the reply, then the check-in question); the "
        "time is to the first. The real Application, bot.telegram.polling.poll, flood_limits=False, "
        "the fake server in its own process (see the end-to-end table).",
        f"Slow store: the running bot's Store.add_escalation sleeps {SLOWDOWN * 1000:.0f} ms before it "
        "writes. In the handler the crisis reply is sent before the write is awaited, so the reply to "
        "that message cannot wait for it. Later messages can wait a little: bot.telegram.polling lets "
        "the updates in hand finish for up to 0.1 s before it asks Telegram for newer ones.",
        "served→reply: from getUpdates handing the update out; queued→reply: from the update being queued "
        "(burst: from the start of polling). seconds: start of polling to the last sendMessage.",
        "escalations stored: rows in the escalations table after the bot stopped, out of crisis messages.",
    ]
    return section


def run(quick: bool) -> list[Section]:
    engine = load_engine(content_paths().intents_dir, content_paths().resources_file).engine
    with quiet_logs():
        writes = writes_section(engine, quick)
    return [writes, crisis_section(engine, quick)]
