"""The command line, run as operators and score.py run it: a real subprocess, real stdin."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: bytes = b"",
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    # The terminal chat logs crisis messages in BOT_DATA_DIR: never in the checkout.
    full_env["BOT_DATA_DIR"] = tempfile.mkdtemp(prefix="bot-cli-data-")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=full_env, timeout=60, check=False)


def test_match_writes_one_json_row_per_line_in_score_py_format() -> None:
    result = run("match", stdin="tôi muốn tự tử\nmất ngủ mấy hôm nay\nqwerty asdf\n".encode())
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [set(r) for r in rows] == [{"text", "intent", "crisis", "level", "detector", "score", "lang"}] * 3
    assert rows[0]["crisis"] is True and rows[0]["level"] == "urgent" and rows[0]["intent"] == "crisis"
    assert rows[1]["intent"] == "coping_sleep" and rows[1]["crisis"] is False and rows[1]["level"] is None
    assert rows[2]["intent"] is None and 0 <= rows[2]["score"] <= 100


def test_match_survives_bad_input() -> None:
    junk = b"\n" + b"x" * 10_000 + b"\n\xff\xfe\xfa broken utf-8\n\x00\x01\x02\n" + "😀\u200b".encode()
    result = run("match", stdin=junk)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 5
    assert rows[0]["intent"] is None and rows[0]["crisis"] is False
    assert b"Traceback" not in result.stderr


def test_try_explains_a_decision() -> None:
    result = run("try", "nóng muốn chết, mà tôi muốn chết thật")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "folded:" in out and "guard:" in out and "CRISIS urgent" in out and "reply:" in out


def test_try_lists_top_intents_with_scores() -> None:
    out = run("try", "dạo này mình mất ngủ").stdout.decode()
    assert out.count("candidate:") >= 2 and "decision:    coping_sleep" in out


def test_validate_passes_on_shipped_content() -> None:
    result = run("validate")
    assert result.returncode == 0, result.stdout.decode()
    assert "0 error(s)" in result.stdout.decode()


def test_validate_fails_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "intents"
    broken.mkdir()
    (broken / "x.yaml").write_text("version: 1\nintent:\n  id: x\n  id: y\n")
    result = run("validate", env={"BOT_INTENTS_DIR": str(broken)})
    assert result.returncode == 1
    assert f"{broken / 'x.yaml'}:4: invalid YAML: duplicate key 'id'" in result.stdout.decode()


def test_bad_configuration_is_one_clear_line() -> None:
    result = run("validate", env={"BOT_INTENTS_DIR": "/no/such/dir"})
    assert result.returncode == 2
    expected = "configuration error: BOT_INTENTS_DIR: /no/such/dir is not a folder"
    assert result.stderr.decode().strip() == expected


def test_chat_talks_in_the_terminal() -> None:
    script = "xin chào\n1\n/hotlines\n/language en\nmất ngủ\ntôi muốn tự tử\n/quit\n"
    result = run("chat", stdin=script.encode())
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "111" in out and "115" in out and "[1]" in out
    assert "Tap a button below" in out  # /language en applies to the crisis reply


def test_no_token_opens_the_terminal_chat() -> None:
    result = run(stdin=b"hello\n")
    assert result.returncode == 0
    assert "terminal chat" in result.stderr.decode()
    assert "call 115" in result.stdout.decode()


def test_typing_stop_in_the_terminal_stops_a_paced_exercise_at_once(tmp_path: Path) -> None:
    """The real terminal: lines are read while a breath is paced (a real 4 s wait)."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(BOT_DATA_DIR=str(tmp_path), PYTHONIOENCODING="utf-8")
    chat = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--no-log"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    assert chat.stdin is not None
    assert chat.stdout is not None
    chat.stdin.write(b"/language vi\n/exercises\n1\n1\n")
    chat.stdin.flush()
    shown = b""
    while "hít vào thật chậm".encode() not in shown:  # the first breath is being paced
        line = chat.stdout.readline()
        assert line, "the chat ended before the exercise began"
        shown += line
    time.sleep(1.0)  # inside the first 4-second breath
    started = time.monotonic()
    chat.stdin.write("dừng\n/quit\n".encode())
    chat.stdin.flush()
    out, err = chat.communicate(timeout=30)
    assert chat.returncode == 0, err.decode()
    assert time.monotonic() - started < 3.0  # not after the 50 seconds of the whole exercise
    text = (shown + out).decode()
    assert "Đã dừng bài tập" in text and text.count("hít vào thật chậm") == 1


def test_converse_plays_each_conversation_from_a_fresh_state() -> None:
    conversations = [{"messages": ["em thấy mình là gánh nặng cho bố mẹ", "ừ"]},
                     {"messages": ["ừ", "mất ngủ mấy hôm nay"]}]
    stdin = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations).encode()
    result = run("converse", stdin=stdin + b"not json\n")
    assert result.returncode == 0, result.stderr
    first, second, bad = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert first["levels"] == ["concern", "urgent"] and first["intents"][1] == "ask:yes"
    assert all(len(r) <= 80 for r in first["replies"])
    # Nothing was pending in a fresh conversation: "ừ" answers no question.
    assert second["levels"] == [None, None] and second["intents"][1] == "coping_sleep"
    assert "error" in bad


def test_try_after_explains_a_message_in_its_conversation() -> None:
    result = run("try", "--after", "em chẳng muốn tỉnh dậy nữa", "--", "ừ")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "earlier:     'em chẳng muốn tỉnh dậy nữa' -> concern" in out
    assert "decision:    the answer to the bot's question: ask:yes (level urgent)" in out
