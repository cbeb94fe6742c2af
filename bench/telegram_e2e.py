"""End to end through Telegram's protocol: the real `Application` against a fake Bot API server.

What is measured: updates handled per second and the latency of each reply, for the whole
path getUpdates → python-telegram-bot's parsing → `bot.telegram.handlers` → engine → sendMessage, over
real HTTP on loopback. The bot polls with its own loop, `bot.telegram.polling.poll` (the one `python -m
bot` runs, which confirms a batch only once every update in it is handled), with the same
`build_application` as production apart from `flood_limits=False`.

How:

* The fake server (tests/fake_telegram.py, subclassed here to note the moment each update is
  handed out in a getUpdates response) runs in a child process with its own event loop, so
  that it has the second core to itself and what is timed is the bot, not the fake. One run
  with the server inside the bot's process is shown for comparison.
* "Full queue": every update is queued before polling starts; throughput is N divided by the
  time from the start of polling to the N-th reply's sendMessage reaching the server.
* "Steady": updates are queued at a fixed rate below the bot's capacity, as people write.
* Latency, per update: from the moment the server returned it in a getUpdates response (or
  the moment it was queued) to the moment its reply's sendMessage request reached the server.
  `time.monotonic` is the system-wide monotonic clock on Linux, so the two processes'
  readings compare directly. Every message in the mix gets exactly one sendMessage (checked
  with the engine beforehand), so the k-th reply in a chat answers that person's k-th update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.table import Section, median, ms, percentile
from bot.config import Settings, content_paths
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.storage.sqlite import DATABASE_FILE
from bot.telegram.app import build_application
from bot.telegram.heap import settle
from bot.telegram.lifecycle import App, start, stop
from bot.telegram.polling import poll
from bot.telegram.render import split_text
from tests.fake_telegram import DEFAULT_TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.jsonl"
GREETINGS = ("chào bạn", "hi", "xin chào", "hello", "alo bot ơi", "chao ban")
FIRST_USER = 10_000
# Far above anything the run reaches, so one person sending thousands of messages is answered
# every time instead of being told to slow down (the default is 20 a minute).
NO_USER_LIMIT = 10**9
# Long enough that a slow batch never times out; the fake server caps long polls at 2 s anyway.
READ_TIMEOUT = 10.0
POLL_TIMEOUT = 1
# A run that has not produced every reply by then has failed; it is reported, not waited on.
RUN_DEADLINE = 120.0


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Planned:
    """One update to send: who writes what, and when (seconds after polling starts; None:
    queued before the bot starts polling)."""

    user_id: int
    text: str
    after: float | None = None


@dataclass
class Outcome:
    """What the fake server saw. Times are `time.monotonic()` readings."""

    served: dict[int, float]  # update_id -> first time it was returned by getUpdates
    queued: dict[int, float]  # update_id -> time it was queued
    users: dict[int, int]  # update_id -> user id
    replies: list[tuple[int, float]]  # (chat_id, arrival) of every sendMessage, in arrival order
    complete: bool
    server_cpu: float = 0.0  # CPU seconds the server process used from "go" to the last reply
    server_window: float = 0.0  # ... out of these wall-clock seconds
    poll_started: float = 0.0
    bot_cpu: float = 0.0  # CPU seconds the bot's process used from the start of polling to the outcome
    bot_window: float = 0.0
    escalations: int = 0  # rows in the escalations table once the bot has stopped
    errors: list[str] = field(default_factory=list)

    def first_replies(self, per_update: int = 1) -> dict[int, float]:
        """update_id -> arrival of its first sendMessage, matching replies to updates by their
        order in each chat: valid when every update gets exactly `per_update` sendMessages."""
        by_user: dict[int, list[int]] = defaultdict(list)
        for update_id in sorted(self.users):
            by_user[self.users[update_id]].append(update_id)
        by_chat: dict[int, list[float]] = defaultdict(list)
        for chat_id, at in sorted(self.replies, key=lambda r: r[1]):
            by_chat[chat_id].append(at)
        found: dict[int, float] = {}
        for user, update_ids in by_user.items():
            arrivals = by_chat.get(user, [])
            for k, update_id in enumerate(update_ids):
                if k * per_update < len(arrivals):
                    found[update_id] = arrivals[k * per_update]
        return found


def message_mix(engine: Engine, count: int, seed: int = 7) -> list[str]:
    """`count` ordinary messages: the topic messages of tests/data/paraphrases.jsonl with a few
    greetings, shuffled; only messages that get exactly one message back and are not crisis
    messages, so that replies can be matched to updates by counting."""
    texts = [json.loads(line)["text"] for line in PARAPHRASES.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    texts += GREETINGS
    usable = [t for t in texts if not engine.respond(t).decision.crisis and replies_for(engine, t) == 1]
    rng = random.Random(seed)
    picked: list[str] = []
    while len(picked) < count:
        batch = usable[:]
        rng.shuffle(batch)
        picked += batch
    return picked[:count]


def replies_for(engine: Engine, text: str) -> int:
    """How many sendMessage calls the bot makes for `text` from a person with no settings."""
    return sum(len(split_text(m.text)) for m in engine.respond(text).reply.messages())


# ---------------------------------------------------------------------------- the fake server


class ServedClock(FakeTelegram):
    """The fake Bot API server, noting when each update was first handed out and queued."""

    def __init__(self) -> None:
        super().__init__()
        self.served: dict[int, float] = {}
        self.queued: dict[int, float] = {}
        self.users: dict[int, int] = {}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await super()._get_updates(params)
        # Taken as the list is handed to aiohttp to encode: the closest this server gets to
        # "the moment it was returned".
        now = time.monotonic()
        for update in updates:
            self.served.setdefault(int(update["update_id"]), now)
        return updates

    def send_planned(self, planned: Planned) -> None:
        update = self.send_text(planned.text, user_id=planned.user_id)
        self.queued[int(update["update_id"])] = time.monotonic()
        self.users[int(update["update_id"])] = planned.user_id

    def outcome(self, complete: bool) -> Outcome:
        replies = [(int(c.params.get("chat_id") or 0), c.at) for c in self.calls_to("sendMessage")]
        return Outcome(served=dict(self.served), queued=dict(self.queued), users=dict(self.users),
                       replies=replies, complete=complete, errors=[repr(e) for e in self.errors])


async def _feed_and_wait(server: ServedClock, plan: list[Planned], expected: int, go: float,
                         deadline: float) -> Outcome:
    """Queue the timed part of the plan at its times, then wait for `expected` sendMessages."""
    cpu, began = time.process_time(), time.monotonic()
    for planned in plan:
        if planned.after is None:
            continue
        delay = go + planned.after - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        server.send_planned(planned)
    try:
        await server.wait_for("sendMessage", expected, timeout=max(0.1, deadline - time.monotonic()))
        complete = True
    except AssertionError:
        complete = False
    outcome = server.outcome(complete)
    outcome.server_cpu, outcome.server_window = time.process_time() - cpu, time.monotonic() - began
    return outcome


def _child(conn: Connection, plan: list[Planned], expected: int) -> None:
    """The fake server's process: report its URL, wait for "go", feed, report, wait for "stop"."""
    logging.disable(logging.WARNING)
    asyncio.run(_child_main(conn, plan, expected))


async def _child_main(conn: Connection, plan: list[Planned], expected: int) -> None:
    loop = asyncio.get_running_loop()
    server = ServedClock()
    async with server:
        for planned in plan:
            if planned.after is None:
                server.send_planned(planned)
        conn.send(server.url)
        # The pipe is read in a thread: the server must keep serving meanwhile.
        go = await loop.run_in_executor(None, conn.recv)
        outcome = await _feed_and_wait(server, plan, expected, go, go + RUN_DEADLINE)
        conn.send(outcome)
        # Keep serving until the bot has stopped: it confirms the last batch on its way out.
        await loop.run_in_executor(None, conn.recv)


class RemoteServer:
    """The fake server in a child process (spawned: a fresh interpreter with its own loop)."""

    def __init__(self, plan: list[Planned], expected: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_child, args=(child_conn, plan, expected), daemon=True)
        self.url = ""

    async def start(self) -> None:
        self._process.start()
        self.url = await self._recv(30.0)

    def go(self, at: float) -> None:
        self._conn.send(at)

    async def outcome(self) -> Outcome:
        result: Outcome = await self._recv(RUN_DEADLINE + 30.0)
        return result

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10.0)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()

    async def _recv(self, timeout: float) -> Any:
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self._conn.poll, timeout)
        if not ready:
            raise TimeoutError("the fake server process did not answer")
        return self._conn.recv()


class LocalServer:
    """The same, inside the bot's own process and event loop: for comparison only."""

    def __init__(self, plan: list[Planned], expected: int) -> None:
        self._plan, self._expected = plan, expected
        self._server = ServedClock()
        self._task: asyncio.Task[Outcome] | None = None
        self.url = ""

    async def start(self) -> None:
        await self._server.start()
        for planned in self._plan:
            if planned.after is None:
                self._server.send_planned(planned)
        self.url = self._server.url

    def go(self, at: float) -> None:
        self._task = asyncio.create_task(
            _feed_and_wait(self._server, self._plan, self._expected, at, at + RUN_DEADLINE))

    async def outcome(self) -> Outcome:
        assert self._task is not None
        return await self._task

    async def close(self) -> None:
        await self._server.stop()


# ---------------------------------------------------------------------------- the bot


def bench_settings(base_url: str, data_dir: Path) -> Settings:
    return Settings(token=DEFAULT_TOKEN, base_url=base_url, data_dir=data_dir, admin_ids=frozenset(),
                    content=content_paths(), log_level="WARNING", webhook_url=None, webhook_secret=None,
                    port=0, user_messages_per_minute=NO_USER_LIMIT, pseudonym_secret="bench-secret-key")


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """The bot logs a warning per crisis reply; thousands of them would bury the tables."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


async def drive(plan: list[Planned], expected: int, engine: Engine, *, separate_process: bool = True,
                prepare: Callable[[App], Awaitable[None]] | None = None) -> Outcome:
    """Run the bot against a fake server that holds `plan` until `expected` sendMessages arrived,
    then stop it. `prepare` runs on the started app just before polling starts."""
    server: RemoteServer | LocalServer = (RemoteServer if separate_process else LocalServer)(plan, expected)
    await server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-telegram-") as data, quiet_logs():
            app = build_application(bench_settings(f"{server.url}/bot", Path(data)), engine,
                                    read_timeout=READ_TIMEOUT, flood_limits=False)
            settle()  # as `python -m bot run` does once the app is built (bot/telegram/heap.py)
            await start(app)
            stop_polling = asyncio.Event()
            task: asyncio.Task[None] | None = None
            try:
                # As run_polling does before it polls.
                await app.bot.delete_webhook(drop_pending_updates=False)
                if prepare is not None:
                    await prepare(app)
                cpu, began = time.process_time(), time.monotonic()
                server.go(began)
                task = asyncio.create_task(poll(app, stop_polling, timeout=POLL_TIMEOUT))
                outcome = await server.outcome()
                outcome.poll_started = began
                outcome.bot_cpu, outcome.bot_window = time.process_time() - cpu, time.monotonic() - began
            finally:
                stop_polling.set()
                if task is not None:
                    await asyncio.wait_for(task, 30)
                await stop(app)
            # Stopped: every handler has finished, so every escalation write has happened.
            outcome.escalations = count_escalations(Path(data) / DATABASE_FILE)
    finally:
        await server.close()
    return outcome


def count_escalations(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT COUNT(*) FROM escalations").fetchone()[0])


# ---------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    users: int
    count: int
    rate: float | None = None  # updates a second; None: all queued before polling starts
    separate_process: bool = True

    def plan(self, texts: list[str]) -> list[Planned]:
        return [Planned(FIRST_USER + n % self.users, text, None if self.rate is None else n / self.rate)
                for n, text in enumerate(texts[:self.count])]


def cases(quick: bool) -> list[Case]:
    full, steady, local = (100, 100, 100) if quick else (5000, 2000, 3000)
    return [
        Case("1 user, full queue", 1, full),
        Case("1,000 users, full queue", 1000, full),
        Case("1,000 users, steady 200/s", 1000, steady, rate=200.0),
        Case("1,000 users, full queue, server in the bot's process", 1000, local, separate_process=False),
    ]


def share(cpu: float, window: float) -> str:
    """CPU seconds over wall-clock seconds, as a percentage of one core."""
    return f"{100 * cpu / window:.0f}%" if window > 0 else "?"


def run(quick: bool) -> list[Section]:
    engine = load_engine(content_paths().intents_dir, content_paths().resources_file).engine
    section = Section(
        "End to end through Telegram's protocol (getUpdates → handler → sendMessage)",
        ("case", "updates", "seconds", "updates/s", "bot CPU", "per CPU-second", "server CPU",
         "served→reply median ms",
         "served→reply p99 ms", "queued→reply median ms", "queued→reply p99 ms"))
    all_cases = cases(quick)
    texts = message_mix(engine, max(c.count for c in all_cases))
    for case in all_cases:
        outcome = asyncio.run(drive(case.plan(texts), case.count, engine,
                                    separate_process=case.separate_process))
        replied = outcome.first_replies()
        if outcome.errors or len(outcome.replies) != case.count:
            section.notes.append(f"{case.name}: {len(outcome.replies)} sendMessages for {case.count} "
                                 f"updates; errors in the fake server: {outcome.errors[:3]}")
        if not outcome.complete or len(replied) < case.count:
            section.add(case.name, case.count, "incomplete", f"{len(outcome.replies)} replies",
                        *([""] * 7))
            continue
        elapsed = max(at for _, at in outcome.replies) - outcome.poll_started
        served = [replied[u] - outcome.served[u] for u in replied]
        # Queued before polling started (full queue): the wait is counted from the start of polling.
        queued = [replied[u] - max(outcome.queued[u], outcome.poll_started) for u in replied]
        section.add(case.name, case.count, f"{elapsed:.2f}", f"{case.count / elapsed:.0f}",
                    share(outcome.bot_cpu, outcome.bot_window),
                    f"{case.count / outcome.bot_cpu:.0f}" if outcome.bot_cpu > 0 else "?",
                    share(outcome.server_cpu, outcome.server_window) if case.separate_process else "(in bot)",
                    ms(median(served)), ms(percentile(served, 0.99)),
                    ms(median(queued)), ms(percentile(queued, 0.99)))
    section.notes += [
        "The real Application from bot.telegram.app.build_application, polling with the bot's own loop "
        "(bot.telegram.polling.poll, as `python -m bot` does: batches of up to 100, 32 handled at a "
        "time, newer updates fetched while older ones finish), over HTTP on 127.0.0.1.",
        "flood_limits=False: with Telegram's own pacing (30 messages a second) that pacing is what would "
        "be measured. The per-person limit is raised to 10^9 a minute so that one person sending thousands "
        "of messages is never throttled.",
        "The fake Bot API server (tests/fake_telegram.py) runs in a child process with its own event loop, "
        "so it has the second core; the last row puts it in the bot's process and loop, sharing one core.",
        "bot CPU / server CPU: CPU time of each process over the run, as a share of one core; a bot near "
        "100% is bound by its own CPU (one event loop, one core), not by the fake server. Below 100% with a "
        "full queue the bot waited: for the fake server, or for its core, which the hypervisor lent to "
        "another machine (the stolen share after the table).",
        "per CPU-second: updates handled per second of the bot's own CPU time, what one core does when it "
        "is not taken away; on a shared VM it varies less than updates/s.",
        "Full queue: every update queued before polling starts; seconds = start of polling to the last "
        "reply reaching the server. Steady: queued at that rate, from the start of polling.",
        "served→reply: from the getUpdates response that handed the update out to its sendMessage reaching "
        "the server; in a full queue this includes waiting for the rest of the batch of 100. queued→reply: "
        "from the update being queued (full queue: from the start of polling) — what a person would see.",
        "Messages: the topic messages of tests/data/paraphrases.jsonl and a few greetings, shuffled; each "
        "gets exactly one sendMessage, so replies are matched to updates by their order in each chat.",
    ]
    return [section]
