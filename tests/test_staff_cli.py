"""`python -m bot escalations …` and `purge`, run as staff run them: a real process on a real
SQLite file that the tests fill through `Store`."""

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli.staff_export import EXPORT_COLUMNS
from bot.config import StoreConfig
from bot.storage.factory import open_store
from bot.storage.records import NewEscalation

ROOT = Path(__file__).resolve().parent.parent
SCORE_PY = ROOT.parent / "shared" / "eval" / "score.py"
VIETNAM = timezone(timedelta(hours=7))
EVIL = '=HYPERLINK("http://evil","x")'
Log = dict[str, tuple[int, str]]  # key -> (id, created_at)

# key: (age, level, trigger rule, lang, trigger phrase, excerpt)
ROWS = {
    "a": (timedelta(hours=2), "urgent", "suicide_explicit", "vi", "tự tử", "tôi muốn tự tử"),
    "b": (timedelta(days=3), "concern", "self_harm", "en", "hurt myself", EVIL),
    "c": (timedelta(days=5), "concern", "self_harm", "en", "cut myself", "@SUM(1)"),
    "d": (timedelta(days=20), "urgent", "wish_dead", "vi", "muốn chết", None),
    "e": (timedelta(days=200), "urgent", "suicide_explicit", "vi", "tự tử", "old one"),
}


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "BOT_RETENTION_DAYS")}
    full_env.update(BOT_DATA_DIR=str(tmp_path), PYTHONIOENCODING="utf-8", **env)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        cwd=ROOT,
        env=full_env,
        timeout=60,
        check=False,
        text=True,
        encoding="utf-8",
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
async def log(tmp_path: Path) -> Log:
    """A fresh log of the ROWS, with some staff work done on them."""
    store = await open_store(StoreConfig(tmp_path))
    try:
        found: dict[str, tuple[int, str]] = {}
        for key, (age, level, rule, lang, phrase, excerpt) in ROWS.items():
            created = (datetime.now(UTC) - age).isoformat(timespec="seconds")
            new_id = await store.add_escalation(
                NewEscalation(
                    update_key=f"update-{key}",
                    created_at=created,
                    user_ref=f"user-ref-{key}",
                    chat_type="private",
                    lang=lang,
                    level=level,
                    trigger_rule=rule,
                    trigger_phrase=phrase,
                    about_other=False,
                    excerpt=excerpt,
                )
            )
            assert new_id is not None
            found[key] = (new_id, created)
        await store.set_label(found["a"][0], "real", "tg:lan")
        await store.set_label(found["c"][0], "false_alarm", "tg:lan")
        await store.set_label(found["d"][0], "false_alarm", "tg:lan")
        await store.set_status(found["c"][0], "acknowledged", "-2+3")
        await store.add_note(found["b"][0], "tg:lan", "called the family")
        await store.add_note(found["b"][0], "tg:minh", "gọi lại sau")
        await store.add_note(found["e"][0], "tg:lan", "old note")
    finally:
        await store.close()
    return found


def table(stdout: str) -> dict[int, list[str]]:
    lines = stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "time", "(UTC+7)", "level"]
    return {int(line.split()[0]): line.split() for line in lines[1:] if line[:1].isdigit()}


def ids_in_order(stdout: str) -> list[int]:
    return list(table(stdout))


async def test_list_is_newest_first_in_vietnam_time_and_filters(tmp_path: Path, log: Log) -> None:
    result = run(tmp_path, "escalations", "list")
    assert result.returncode == 0
    assert ids_in_order(result.stdout) == [log[k][0] for k in "abcde"]
    a_id, a_created = log["a"]
    shown = datetime.fromisoformat(a_created).astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")
    assert table(result.stdout)[a_id][1:9] == [
        *shown.split(),
        "urgent",
        "suicide_explicit",
        "vi",
        "-",
        "new",
        "tg:lan",
    ]
    assert table(result.stdout)[a_id][9] == "real"

    acknowledged = run(tmp_path, "escalations", "list", "--status", "acknowledged").stdout
    assert ids_in_order(acknowledged) == [log["c"][0]]
    since = (datetime.now(VIETNAM).date() - timedelta(days=10)).isoformat()
    assert ids_in_order(run(tmp_path, "escalations", "list", "--since", since).stdout) == [
        log[k][0] for k in "abc"
    ]
    limited = run(tmp_path, "escalations", "list", "--limit", "2").stdout
    assert ids_in_order(limited) == [log["a"][0], log["b"][0]]
    assert "--limit" in limited.splitlines()[-1]
    assert run(tmp_path, "escalations", "list", "--status", "resolved").stdout == "no escalations\n"


async def test_a_burst_in_one_second_lists_and_exports_its_newest_first(tmp_path: Path) -> None:
    """Escalations stored within the same second: `--limit` keeps the newest, as it says."""
    store = await open_store(StoreConfig(tmp_path))
    same_second = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        ids = [await store.add_escalation(NewEscalation(
            update_key=f"burst-{n}", created_at=same_second, user_ref=f"ref-{n}", chat_type="private",
            lang="vi", level="urgent", trigger_rule="suicide_intent", trigger_phrase="tự tử",
            about_other=False, excerpt=None)) for n in range(5)]
    finally:
        await store.close()
    newest = sorted((i for i in ids if i is not None), reverse=True)
    listed = run(tmp_path, "escalations", "list", "--limit", "3").stdout
    assert ids_in_order(listed) == newest[:3]
    assert "the newest 3 shown" in listed.splitlines()[-1]
    exported = json.loads(run(tmp_path, "escalations", "export", "--format", "json").stdout)
    assert [r["id"] for r in exported] == newest


async def test_export_csv_has_every_column_but_no_user_reference_and_no_live_formula(
    tmp_path: Path, log: Log
) -> None:
    result = run(tmp_path, "escalations", "export", "--format", "csv")
    assert result.returncode == 0
    assert "user-ref" not in result.stdout and "user_ref" not in result.stdout
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_id = {int(row["id"]): row for row in rows}
    assert [int(row["id"]) for row in rows] == [log[k][0] for k in "abcde"]  # newest first
    assert by_id[log["b"][0]]["excerpt"] == "'" + EVIL
    assert by_id[log["c"][0]]["excerpt"] == "'@SUM(1)"
    assert by_id[log["c"][0]]["handled_by"] == "'-2+3"
    assert by_id[log["a"][0]]["excerpt"] == "tôi muốn tự tử"
    assert by_id[log["a"][0]]["created_at"] == log["a"][1]
    notes = by_id[log["b"][0]]["notes"].split(" | ")
    assert [n.split(" ", 1)[1] for n in notes] == ["tg:lan: called the family", "tg:minh: gọi lại sau"]
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row.values())


async def test_export_csv_to_a_file_opens_in_excel_as_utf8(tmp_path: Path, log: Log) -> None:
    out = tmp_path / "log.csv"
    result = run(
        tmp_path, "escalations", "export", "--format", "csv", "--status", "new", "--output", str(out)
    )
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.stat().st_mode & 0o777 == 0o600  # the log's contents, as private as the log
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {int(row["id"]) for row in rows} == {log[k][0] for k in "abde"}
    failed = run(
        tmp_path,
        "escalations",
        "export",
        "--format",
        "csv",
        "--output",
        str(tmp_path / "missing" / "log.csv"),
    )
    assert failed.returncode == 1 and "cannot write" in failed.stderr


async def test_export_json_is_a_list_of_objects_in_readable_utf8(tmp_path: Path, log: Log) -> None:
    since = (datetime.now(VIETNAM).date() - timedelta(days=30)).isoformat()
    result = run(tmp_path, "escalations", "export", "--format", "json", "--since", since)
    assert result.returncode == 0
    assert "tự tử" in result.stdout and "user-ref" not in result.stdout
    records = json.loads(result.stdout)
    assert [r["id"] for r in records] == [log[k][0] for k in "abcd"]
    assert all(tuple(r) == EXPORT_COLUMNS for r in records)
    first = records[0]
    assert first["excerpt"] == "tôi muốn tự tử" and first["about_other"] is False
    assert first["label"] == "real" and first["check_in"] is None and first["notes"] == ""
    assert records[1]["excerpt"] == EVIL  # JSON is data, not a spreadsheet: left as written
    assert records[1]["notes"].count(" | ") == 1


async def test_export_labels_writes_cases_score_py_counts(tmp_path: Path, log: Log) -> None:
    result = run(tmp_path, "escalations", "export", "--labels")
    assert result.returncode == 0
    cases = [json.loads(line) for line in result.stdout.splitlines()]
    assert cases == [
        {"text": "tôi muốn tự tử", "expect": "crisis", "accept": [], "lang": "vi", "tags": ["field", "real"]},
        {"text": "@SUM(1)", "expect": None, "accept": [], "lang": "en", "tags": ["field", "hard-negative"]},
    ]
    # d's false alarm has no excerpt: its bare trigger phrase must not become a hard negative.
    assert "left out 1 false alarm(s)" in result.stderr
    if not SCORE_PY.is_file():
        pytest.skip(f"{SCORE_PY} is not beside the project")
    out = tmp_path / "field.jsonl"
    assert run(tmp_path, "escalations", "export", "--labels", "--output", str(out)).returncode == 0
    scored = subprocess.run(
        [sys.executable, str(SCORE_PY), str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert scored.returncode == 0, scored.stderr
    assert re.search(r"crisis_recall=1\.000 \(1/1\) false_escalation=0\.000 \(0/1\)", scored.stdout)


async def test_stats_counts_the_last_7_and_30_days(tmp_path: Path, log: Log) -> None:
    result = run(tmp_path, "escalations", "stats")
    assert result.returncode == 0
    week, month = result.stdout.split("last 30 days")
    assert "3 escalation(s)" in week.splitlines()[0] and "4 escalation(s)" in month.splitlines()[0]
    counts = {tuple(line.split()) for line in month.splitlines()[1:]}
    assert {
        ("suicide_explicit", "1"),
        ("self_harm", "2"),
        ("wish_dead", "1"),
        ("vi", "2"),
        ("en", "2"),
        ("urgent", "2"),
        ("concern", "2"),
    } <= counts
    # The newest event is two hours old: between midnight and 2 a.m. in Vietnam it is yesterday's.
    its_day = (datetime.now(VIETNAM) - ROWS["a"][0]).date().isoformat()
    assert (its_day, "1") in {tuple(line.split()) for line in week.splitlines()}


async def test_staff_changes_show_in_the_list(tmp_path: Path, log: Log) -> None:
    a, b, d = log["a"][0], log["b"][0], log["d"][0]
    ack = run(tmp_path, "escalations", "ack", str(a), "--by", "minh")
    assert ack.returncode == 0 and f"escalation {a} acknowledged by minh" in ack.stdout
    assert run(tmp_path, "escalations", "resolve", str(b), "--note", "safe with family").returncode == 0
    assert run(tmp_path, "escalations", "label", str(b), "false_alarm").returncode == 0
    assert run(tmp_path, "escalations", "note", str(d), "checked again, no contact").returncode == 0

    rows = table(run(tmp_path, "escalations", "list").stdout)
    assert rows[a][7:] == ["acknowledged", "minh", "real", "telegram"]
    assert rows[d][7:] == ["new", "tg:lan", "false_alarm", "telegram"]
    assert rows[b][7] == "resolved" and rows[b][8].startswith("cli") and rows[b][9] == "false_alarm"
    records = {
        r["id"]: r for r in json.loads(run(tmp_path, "escalations", "export", "--format", "json").stdout)
    }
    assert records[b]["notes"].endswith(": safe with family")
    assert records[d]["notes"].endswith(": checked again, no contact")
    assert records[d]["notes"].split(" ")[1].startswith("cli")


async def test_an_unknown_id_is_an_error(tmp_path: Path, log: Log) -> None:
    for args in (
        ("ack", "999"),
        ("resolve", "999", "--note", "x"),
        ("label", "999", "real"),
        ("note", "999", "hello"),
    ):
        result = run(tmp_path, "escalations", *args)
        assert result.returncode == 1, args
        assert "no escalation with id 999" in result.stderr


async def test_purge_deletes_only_rows_past_retention(tmp_path: Path, log: Log) -> None:
    result = run(tmp_path, "purge")
    assert result.returncode == 0 and result.stdout == "purged 1 escalation(s) older than 90 days\n"
    assert ids_in_order(run(tmp_path, "escalations", "list").stdout) == [log[k][0] for k in "abcd"]
    store = await open_store(StoreConfig(tmp_path))
    try:
        assert await store.escalation(log["e"][0]) is None
        assert not any("old note" in note for e in await store.escalations() for note in e.notes)
    finally:
        await store.close()
    shorter = run(tmp_path, "purge", BOT_RETENTION_DAYS="10")
    assert shorter.stdout == "purged 1 escalation(s) older than 10 days\n"
    bad = run(tmp_path, "purge", BOT_RETENTION_DAYS="soon")
    assert bad.returncode == 2 and "BOT_RETENTION_DAYS" in bad.stderr


def test_a_missing_database_is_reported_not_created(tmp_path: Path) -> None:
    for args, code in (
        (("escalations", "list"), 0),
        (("escalations", "stats"), 0),
        (("escalations", "export", "--format", "csv"), 0),
        (("purge",), 0),
        (("escalations", "ack", "1"), 1),
        (("escalations", "note", "1", "hi"), 1),
    ):
        result = run(tmp_path, *args)
        assert result.returncode == code, args
        assert f"no escalation log yet at {tmp_path / 'bot.sqlite3'}" in result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    for args in (
        ("escalations",),
        ("escalations", "list", "--limit", "0"),
        ("escalations", "list", "--since", "21/11/2026"),
        ("escalations", "list", "--status", "open"),
        ("escalations", "export"),
        ("escalations", "export", "--format", "csv", "--labels"),
        ("escalations", "ack", "one"),
        ("escalations", "label", "1", "maybe"),
        ("escalations", "note", "1", "  "),
    ):
        result = run(tmp_path, *args)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr


def test_exports_never_contain_the_bot_token(tmp_path: Path) -> None:
    async def fill() -> None:
        store = await open_store(StoreConfig(tmp_path))
        await store.add_escalation(
            NewEscalation(
                "u1",
                "2026-11-20T10:00:00+00:00",
                "ref",
                "private",
                "vi",
                "urgent",
                "suicide_intent",
                "tự tử",
                False,
                None,
            )
        )
        await store.close()

    asyncio.run(fill())
    token = "123456:SECRET-token-that-must-not-leak"
    env = {**os.environ, "BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": token}
    for fmt in ("csv", "json"):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "escalations", "export", "--format", fmt],
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        assert b"suicide_intent" in result.stdout and token.encode() not in result.stdout + result.stderr


async def test_terminal_chat_escalations_say_where_they_came_from(tmp_path: Path, log: Log) -> None:
    store = await open_store(StoreConfig(tmp_path))
    try:
        terminal = await store.add_escalation(NewEscalation(
            update_key="terminal:1", created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            user_ref="ref-t", chat_type="private", lang="vi", level="urgent",
            trigger_rule="suicide_intent", trigger_phrase="tự tử", about_other=False, excerpt=None,
            source="terminal"))
    finally:
        await store.close()
    assert terminal is not None
    listed = run(tmp_path, "escalations", "list").stdout
    assert table(listed)[terminal][-1] == "terminal" and table(listed)[log["a"][0]][-1] == "telegram"
    assert "1 from the terminal chat" in listed.splitlines()[-1]
    exported = json.loads(run(tmp_path, "escalations", "export", "--format", "json").stdout)
    assert {r["id"]: r["source"] for r in exported}[terminal] == "terminal"
    assert "by source" in run(tmp_path, "escalations", "stats").stdout
