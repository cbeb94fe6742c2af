"""Plain words for a YAML syntax error: where it most likely is, why, and what to write.

PyYAML says where it gave up (`did not find expected key`), which is often a line after the
mistake, and never says what to do. Operators are not YAML experts, and nearly every syntax
error they make is one of a few: a tab, a line indented too far or not far enough, a key
without its `:` (or the space after it), a list item without its `-`, a quote or bracket left
open, or a value that YAML reads as syntax (`: ` inside it, a leading `@`, `*` or `` ` ``).
`hint` looks at the lines around PyYAML's marks and names the one it sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

_KEY = re.compile(r"^ *(?:- +)?(?P<key>[^\s:#'\"{\[][^:#]*?):(?: +(?P<value>\S.*))?$")
_NAME = re.compile(r"^ *(?:- +)?[A-Za-z_][\w-]*$")
# A key and its value with the `:` between them forgotten: `id x`, `title {vi: ..., en: ...}`.
_BARE_WORDS = re.compile(r"^ *(?P<key>[A-Za-z_][\w-]*)(?P<rest>(?: +[^:#\s][^:#]*?)?| +[{\[].*)$")
_NO_SPACE = re.compile(r"^ *(?:- +)?(?P<key>[A-Za-z_][\w-]*):(?P<value>[^\s:/].*)$")
_TEXT_AFTER_QUOTE = re.compile(r"""^ *(?:- +)?[^:#]+: +(?P<q>["'])(?:(?!(?P=q)).)*(?P=q) *[^\s#,}\]]""")
# Characters YAML reads as syntax at the start of a plain value.
_SYNTAX_STARTS = frozenset("@`*%!&")


@dataclass(frozen=True, slots=True)
class Hint:
    line: int  # 1-based
    text: str


@dataclass(frozen=True, slots=True)
class _Error:
    lines: list[str]
    at: int  # the line where PyYAML gave up
    opened: int  # the line of what it was reading then (a quote, a bracket, a mapping)
    column: int
    problem: str
    context: str

    def line(self, number: int | None) -> str:
        return self.lines[number - 1] if number and 0 < number <= len(self.lines) else ""

    def above(self, number: int) -> int | None:
        """The closest line above that holds YAML, not a blank or a comment."""
        for n in range(number - 1, 0, -1):
            stripped = self.lines[n - 1].strip()
            if stripped and not stripped.startswith("#"):
                return n
        return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def hint(text: str, error: yaml.MarkedYAMLError) -> Hint:
    problem_mark = error.problem_mark or error.context_mark
    context_mark = error.context_mark or problem_mark
    at = problem_mark.line + 1 if problem_mark else 0
    found = _Error(text.splitlines(), at, context_mark.line + 1 if context_mark else at,
                   problem_mark.column if problem_mark else -1, error.problem or "", error.context or "")
    for finder in _FINDERS:
        if (named := finder(found)) is not None:
            return named
    return Hint(at, "YAML cannot read this line; check that it is indented with spaces like the "
                    "lines around it, that each key ends with `:` and a space, that each list item "
                    "starts with `- `, and that every quote and bracket is closed")


def _tab(e: _Error) -> Hint | None:
    for number in (e.at, e.opened):
        line = e.line(number)
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return Hint(number, "a tab in the indentation; YAML indents with spaces only: replace "
                                "the tab with spaces, lined up with the lines above")
    return None


def _unclosed(e: _Error) -> Hint | None:
    if "quoted scalar" in e.context:
        quote = '"' if '"' in e.line(e.opened) else "'"
        inside = '\\"' if quote == '"' else "''"
        return Hint(e.opened, f"the quote {quote} opened on this line is never closed; end the text "
                              f"with a matching {quote} (a {quote} inside the text is written {inside})")
    for kind, opening, closing in (("flow mapping", "{", "}"), ("flow sequence", "[", "]")):
        if kind in e.context:
            return Hint(e.opened, f"the {opening} opened on this line is not closed; end it with "
                                  f"{closing} on the same line, with a comma between the items")
    return None


def _value_as_syntax(e: _Error) -> Hint | None:
    line = e.line(e.at)
    start = line[e.column] if 0 <= e.column < len(line) else ""
    if start in _SYNTAX_STARTS and ("cannot start any token" in e.problem or "alias" in e.problem):
        key = _KEY.match(line)
        value = key.group("value") if key and key.group("value") else line.strip().lstrip("- ")
        return Hint(e.at, f"a value cannot start with {start} in YAML; put it in quotes: \"{value}\"")
    if _TEXT_AFTER_QUOTE.match(line):
        return Hint(e.at, "there is text after the closing quote; put the whole value inside the quotes")
    name, colon, value = line.partition(": ")
    if "mapping values are not allowed" in e.problem and colon and ": " in value and _NAME.match(name):
        return Hint(e.at, f"the value has `: ` in it, which YAML reads as another key; put the whole "
                          f"value in quotes: {name.strip()}: \"{value}\"")
    return None


def _missing_dash(e: _Error) -> Hint | None:
    if "expected '-' indicator" not in e.problem:
        return None
    return Hint(e.at, "this line is inside a list but does not start with `- `; start it with `- `, "
                      "or indent it less so that it no longer belongs to the list")


def _list_indent(e: _Error) -> Hint | None:
    above = e.above(e.at)
    if "expected key" not in e.problem or not e.line(e.at).lstrip().startswith("-") or above is None:
        return None
    return Hint(e.at, f"this list item is indented differently from line {above} above it; line its "
                      f"`-` up with the other items of its list")


def _key_trouble(e: _Error) -> Hint | None:
    """A key without its `:`, without the space after it, or a line indented under a value.
    PyYAML notices only when it reaches the next key, so the lines above are where to look."""
    if not any(words in e.problem for words in ("mapping values are not allowed", "expected key",
                                                 "expected ':'")):
        return None
    line, above = e.line(e.at), e.above(e.at)
    for number in range(e.at, min(e.opened, above or e.at) - 1, -1):
        if glued := _NO_SPACE.match(e.line(number)):
            return Hint(number, f"no space after the `:`; write `{glued['key']}: {glued['value']}`")
        if number != e.at and (bare := _BARE_WORDS.match(e.line(number))):
            return Hint(number, f"this line has no `:` after its key; write `{bare['key']}:{bare['rest']}`")
    parent = _KEY.match(e.line(above))
    if above is not None and parent and parent["value"] and _indent(line) > _indent(e.line(above)):
        return Hint(e.at, f"this line is indented further than `{parent['key'].strip()}:` on line "
                          f"{above}, which already has a value; line it up with that key")
    if bare := _BARE_WORDS.match(line):
        return Hint(e.at, f"this line has no `:` after its key; write `{bare['key']}:{bare['rest']}`")
    return None


_FINDERS: tuple[Callable[[_Error], Hint | None], ...] = (
    _tab, _unclosed, _value_as_syntax, _missing_dash, _list_indent, _key_trouble)
