"""`resources.yaml`: the hotlines with their hours, costs and sources, the campaign facts, and
the numbers that must never be shown.

A number without a published source is an error, 1800 numbers must be free and 1900 numbers
charged to the caller, and a number on the do_not_list is refused wherever it appears.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any, cast

from bot.content.fields import localised, open_item
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.models import COSTS, DAYS, Fact, Hotline, Hours, Localised

HOTLINE_FIELDS = {"id", "kind", "number", "tel", "name", "hours", "hours_note", "cost", "serves",
                  "what_happens", "region", "sources", "verified", "verified_how"}
FACT_FIELDS = {"id", "title", "text", "link", "source"}
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def read_resources(root: Node, problems: list[Problem]) -> tuple[
        dict[str, Hotline], dict[str, Fact], tuple[str, ...]]:
    root.allow_keys({"version", "checked", "checked_how", "hotlines", "facts", "do_not_list"},
                    "resources.yaml")
    hotlines: dict[str, Hotline] = {}
    facts: dict[str, Fact] = {}
    banned: list[str] = []
    for item in (dnl.elements("do_not_list") if (dnl := root.get("do_not_list")) else ()):
        number = item.get("number") if item.expect_map("a do_not_list entry") else None
        if number is not None:
            banned.append(number.text("number"))
    hotlines_node = root.require("hotlines", "resources.yaml")
    for node in hotlines_node.elements("hotlines") if hotlines_node else ():
        hotline = _hotline(node, banned)
        if hotline is not None:
            if hotline.id in hotlines:
                node.problem(f"hotline id '{hotline.id}' is used twice")
            hotlines[hotline.id] = hotline
    for node in (facts_node.elements("facts") if (facts_node := root.get("facts")) else ()):
        fact = _fact(node)
        if fact is not None:
            if fact.id in facts or fact.id in hotlines:
                node.problem(f"resource id '{fact.id}' is used twice")
            facts[fact.id] = fact
    return hotlines, facts, tuple(banned)


def _hotline(node: Node, banned: list[str]) -> Hotline | None:
    hid = open_item(node, HOTLINE_FIELDS, "hotline")
    if hid is None:
        return None
    what = f"hotline '{hid}'"

    def text(key: str) -> str:
        child = node.require(key, what)
        return child.text(key) if child else ""

    def local(key: str, required: bool = True) -> Localised | None:
        child = node.require(key, what) if required else node.get(key)
        return localised(child, key) if child else None

    number = text("number")
    if number and _digits(number) in {_digits(b) for b in banned}:
        node.problem(f"{number} is on the do_not_list; it must never be shown", node.key_line("number"))
    tel_node = node.get("tel")
    tel = tel_node.text("tel") if tel_node else _digits(number)
    cost = text("cost")
    if cost and cost not in COSTS:
        node.problem(f"cost '{cost}' is unknown; write one of: {', '.join(COSTS)}", node.key_line("cost"))
    digits = _digits(number)
    if digits.startswith("1800") and cost != "free":
        node.problem("1800 numbers are free to call; write `cost: free`", node.key_line("cost"))
    if digits.startswith("1900") and cost != "caller-pays":
        node.problem("1900 numbers charge the caller; write `cost: caller-pays`", node.key_line("cost"))
    sources: list[str] = []
    sources_node = node.get("sources")
    if sources_node is None:
        node.problem(f"{what} has no sources; every number needs a published source")
    else:
        for item in sources_node.elements("sources"):
            url = item.get("url") if item.is_map() else item
            if url is not None and (value := url.text("a source url")):
                sources.append(value)
    verified = _date(node.require("verified", what))
    hours = _hours(node.require("hours", what))
    kind = text("kind")
    return Hotline(
        id=hid, kind=kind, number=number, tel=tel,
        name=local("name") or Localised("", ""),
        hours=hours or Hours(), cost=cast(Any, cost),
        serves=local("serves") or Localised("", ""),
        what_happens=local("what_happens", required=False),
        region=local("region", required=False),
        sources=tuple(sources), verified=verified or date.min,
        path=node.path, line=node.line,
    )


def _date(node: Node | None) -> date | None:
    if node is None:
        return None
    if isinstance(node.value, date):
        return node.value
    try:
        return date.fromisoformat(str(node.value))
    except ValueError:
        node.problem(f"'{node.value}' is not a date; write it as \"YYYY-MM-DD\"")
        return None


def _hours(node: Node | None) -> Hours | None:
    if node is None:
        return None
    if node.value == "24/7":
        return Hours()
    if not isinstance(node.value, dict):
        node.problem("hours must be \"24/7\" or a mapping with days, open and close")
        return None
    node.allow_keys({"days", "open", "close"}, "hours")
    days: list[int] = []
    days_node = node.require("days", "hours")
    for day in days_node.text_list("days") if days_node else ():
        if day not in DAYS:
            node.problem(f"day '{day}' is unknown; write one of: {', '.join(DAYS)}",
                         node.key_line("days"))
        else:
            days.append(DAYS.index(day))
    times = []
    for key in ("open", "close"):
        child = node.require(key, "hours")
        times.append((clock_time(child, f"the {key} time") if child else None) or time(0, 0))
    if not days:
        return None
    return Hours(tuple(sorted(days)), times[0], times[1])


def clock_time(node: Node, what: str) -> time | None:
    value = node.text(what)
    if not TIME_PATTERN.match(value):
        node.problem(f"{what} must be written as \"HH:MM\" in quotes (24-hour, Vietnam time)")
        return None
    return time.fromisoformat(value)


def _fact(node: Node) -> Fact | None:
    fid = open_item(node, FACT_FIELDS, "fact")
    if fid is None:
        return None
    title, text, source = (node.require(k, f"fact '{fid}'") for k in ("title", "text", "source"))
    link = node.get("link")
    return Fact(
        id=fid,
        title=localised(title, "title") if title else Localised("", ""),
        text=localised(text, "text") if text else Localised("", ""),
        link=link.text("link") if link else None,
        source=source.text("source") if source else "",
        path=node.path, line=node.line,
    )
