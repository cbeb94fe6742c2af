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

from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


async def test_polling_process_answers_reloads_and_stops_cleanly(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    async with FakeTelegram() as telegram:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=f"{telegram.url}/bot",
                   BOT_DATA_DIR=str(tmp_path / "data"), BOT_INTENTS_DIR=str(tmp_path / "intents"),
                   LOG_LEVEL="DEBUG")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            await telegram.wait_for("getUpdates", timeout=30)
            telegram.send_text("tôi muốn tự tử")
            [crisis, _] = await telegram.wait_for("sendMessage", 2, timeout=15)
            assert "115" in crisis.params["text"]

            sleep = tmp_path / "intents" / "coping_sleep.yaml"
            sleep.write_text(sleep.read_text(encoding="utf-8").replace(
                "Thức trắng thật sự rất mệt", "SAU KHI NẠP LẠI: thức trắng"), encoding="utf-8")
            process.send_signal(signal.SIGHUP)
            for _ in range(50):
                telegram.send_text("mất ngủ")
                calls = await telegram.wait_for("sendMessage", len(telegram.calls_to("sendMessage")) + 1)
                if calls[-1].params["text"].startswith("SAU KHI NẠP LẠI"):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("SIGHUP did not reload the content")

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
