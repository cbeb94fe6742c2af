"""Field readers every content kind shares: ids and texts in both languages."""

from __future__ import annotations

import re

from bot.content.yamlio import Node
from bot.core.language import LANGUAGES, Language
from bot.core.models import Localised

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def localised(node: Node, what: str) -> Localised:
    if not node.expect_map(what):
        return Localised("", "")
    node.allow_keys(set(LANGUAGES), what)
    texts = {}
    for lang in LANGUAGES:
        child = node.require(lang, what)
        texts[lang] = child.text(f"{what} ({lang})") if child else ""
    return Localised(texts["vi"], texts["en"])


def optional_localised(node: Node, key: str, what: str) -> Localised | None:
    child = node.get(key)
    return localised(child, f"{what} {key}") if child else None


def required_localised(node: Node, key: str, what: str) -> Localised:
    child = node.require(key, what)
    return localised(child, f"{what} {key}") if child else Localised("", "")


def identifier(node: Node, what: str) -> str:
    value = node.text(what)
    if value and not ID_PATTERN.match(value):
        node.problem(f"{what} '{value}' must be lower-case letters, digits and _ (like coping_sleep)")
    return value


def open_item(node: Node, allowed: set[str], kind: str) -> str | None:
    """Start reading one `- id: ...` mapping of a list (a hotline, a rule, a step): check its
    keys and return its id, "" when the id is missing, None when it is not a mapping."""
    if not node.expect_map(f"the {kind}"):
        return None
    node.allow_keys(allowed, f"the {kind}")
    id_node = node.require("id", f"the {kind}")
    return identifier(id_node, f"the {kind} id") if id_node else ""


def per_language(node: Node, what: str) -> dict[Language, list[tuple[str, int]]]:
    """A `vi:`/`en:` mapping of lists: each language's texts with their lines."""
    result: dict[Language, list[tuple[str, int]]] = {"vi": [], "en": []}
    if not node.expect_map(what):
        return result
    node.allow_keys(set(LANGUAGES), what)
    for lang in LANGUAGES:
        child = node.get(lang)
        if child is None:
            continue
        for item in child.elements(f"{what} ({lang})"):
            text = item.text(f"an item of {what} ({lang})")
            if text:
                result[lang].append((text, item.line))
    return result


def ids(node: Node | None, what: str) -> tuple[str, ...]:
    if node is None:
        return ()
    return tuple(node.text_list(what))
