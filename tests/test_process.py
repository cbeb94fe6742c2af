"""The real entry point, `python -m bot run`, as a separate process against the fake Bot API
server: long polling, SIGHUP reload, SIGTERM shutdown, and a log with no token in it."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from bot.config import StoreConfig
from bot.storage.factory import open_store
from bot.storage.privacy import pseudonym
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def bot_env(telegram: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    """This machine's environment without any bot settings, pointed at the fake server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=f"{telegram.url}/bot",
               BOT_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


async def launch(env: dict[str, str], output: int = asyncio.subprocess.DEVNULL) -> asyncio.subprocess.Process:
    """`python -m bot run`, as a host would start it."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=output,
        stderr=asyncio.subprocess.STDOUT if output == asyncio.subprocess.PIPE else asyncio.subprocess.DEVNULL)


async def test_polling_process_answers_reloads_and_stops_cleanly(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    async with FakeTelegram() as telegram:
        env = bot_env(telegram, tmp_path, BOT_INTENTS_DIR=str(tmp_path / "intents"), LOG_LEVEL="DEBUG")
        process = await launch(env, asyncio.subprocess.PIPE)
        try:
            await telegram.wait_for("getUpdates", timeout=30)
            telegram.send_text("tôi muốn tự tử")
            [crisis, _] = await telegram.wait_for("sendMessage", 2, timeout=15)
            assert "115" in crisis.params["text"]

            sleep = tmp_path / "intents" / "coping_sleep.yaml"
            sleep.write_text(
                sleep.read_text(encoding="utf-8").replace(
                    "Thức trắng thật sự rất mệt", "SAU KHI NẠP LẠI: thức trắng"
                ),
                encoding="utf-8",
            )
            process.send_signal(signal.SIGHUP)
            # Each probe from someone new: one person asking again and again would meet the rate
            # limit while the content is reloaded. Retraining takes seconds, many more on a
            # loaded machine, so the probes run until a deadline rather than a count.
            deadline = asyncio.get_running_loop().time() + 90
            n = 0
            while True:
                n += 1
                telegram.send_text("mất ngủ", user_id=30_000 + n)
                calls = await telegram.wait_for("sendMessage", len(telegram.calls_to("sendMessage")) + 1)
                if calls[-1].params["text"].startswith("SAU KHI NẠP LẠI"):
                    break
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError("SIGHUP did not reload the content")
                await asyncio.sleep(0.2)

            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.stdout is not None
        log = (await process.stdout.read()).decode()
    assert "ready" in log and "content reloaded" in log
    assert telegram.token.split(":")[1] not in log
    assert (tmp_path / "data" / "pseudonym.key").exists()


async def test_killed_mid_burst_every_answered_crisis_is_logged_after_restart(tmp_path: Path) -> None:
    secret = "kill-test-secret"
    async with FakeTelegram() as telegram:
        env = bot_env(telegram, tmp_path, BOT_PSEUDONYM_SECRET=secret, LOG_LEVEL="WARNING")
        first = await launch(env)
        try:
            await telegram.wait_for("getUpdates", timeout=30)
            people = range(20_000, 20_200)
            for person in people:
                telegram.send_text("tôi muốn tự tử", user_id=person)
            await telegram.wait_for("sendMessage", 40, timeout=30)
            first.kill()  # SIGKILL: no clean shutdown at all
            await first.wait()
        finally:
            if first.returncode is None:
                first.kill()
        answered = {c.params["chat_id"] for c in telegram.calls_to("sendMessage")}
        assert 0 < len(answered) < len(people)

        second = await launch(env)
        try:
            await telegram.wait_for("sendMessage", 2 * len(people), timeout=60)
            await asyncio.sleep(2)  # escalations are written right after each reply
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 20)

    data = tmp_path / "data"
    store = await open_store(StoreConfig(data))
    try:
        total = len(await store.escalations())
        spool = data / "escalations.spool"
        spooled = spool.read_text() if spool.exists() else ""
        for person in answered:
            ref = pseudonym(person, secret.encode())
            # Each person is logged once: forgetting their reference removes exactly that row.
            logged = await store.forget(ref)
            assert logged == 1 or ref in spooled, f"answered crisis from {person} was not logged"
    finally:
        await store.close()
    assert total == len(people)  # every update once, re-delivered ones not twice
    everyone = {c.params["chat_id"] for c in telegram.calls_to("sendMessage")}
    assert everyone == set(people)  # at least once: nobody's crisis message was lost
