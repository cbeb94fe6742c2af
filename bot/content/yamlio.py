"""Safe YAML loading that remembers line numbers and refuses PyYAML's silent traps.

PyYAML keeps the last of two duplicate keys without a word; operators would never notice
a crisis phrase list being overwritten. The loader here rejects duplicates, records the
line of every key and list item, and the typed accessors on `Node` turn YAML 1.1 surprises
(`no` read as False, `0963...` read as a number) into errors that say what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

from bot.content.problems import ContentError, Problem, Severity
from bot.content.yaml_hints import hint

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 20


class LineMap(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key, and how non-text values
    were written (`no`, `115`), so an error can quote the operator's own words."""

    line: int
    key_lines: dict[str, int]
    written: dict[str, str]


class LineList(list[Any]):
    """A list that remembers the line of itself and of each item (and non-text items as written)."""

    line: int
    item_lines: list[int]
    written: dict[int, str]


def _as_written(node: YamlNode, value: Any) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) and not isinstance(value, str) else None


# libyaml's parser when PyYAML was built with it: about ten times faster on large content.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineMap:
        result = LineMap()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        result.written = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"the key {key!r} is not text; put it in quotes: \"{key_node.value}\"",
                    key_node.start_mark,
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"duplicate key '{key}' (first on line {result.key_lines[key]}); "
                    "YAML would silently keep only the last one, so merge them into one",
                    key_node.start_mark,
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
            if (written := _as_written(value_node, result[key])) is not None:
                result.written[key] = written
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        result.written = {i: w for i, (child, value) in enumerate(zip(node.value, result, strict=True))
                          if (w := _as_written(child, value)) is not None}
        return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)


def _too_deep(node: YamlNode) -> int | None:
    """The line of the first node nested deeper than MAX_DEPTH, found without recursion."""
    stack: list[tuple[YamlNode, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return int(current.start_mark.line) + 1
        if isinstance(current, SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, MappingNode):
            stack.extend((value, depth + 1) for _, value in current.value)
    return None


def load_file(path: Path, display: str | None = None) -> Node:
    """Load one YAML file into a `Node`, or raise ContentError with `file:line` problems."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError([Problem(name, 0, f"cannot read the file: {exc.strerror}")]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ContentError([Problem(name, 0, f"file is larger than {MAX_FILE_BYTES:,} bytes; split it")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(name, line, "not valid UTF-8; save the file as UTF-8")]) from exc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ContentError([Problem(name, 1, "the file is empty; start it with `version: 1`")])
        if (deep_line := _too_deep(root)) is not None:
            raise ContentError([Problem(name, deep_line, f"nested more than {MAX_DEPTH} levels deep")])
        data = loader.construct_document(root)
    except (yaml.scanner.ScannerError, yaml.parser.ParserError, yaml.composer.ComposerError) as exc:
        found = hint(text, exc)
        raise ContentError([Problem(name, found.line, f"invalid YAML: {found.text} "
                                    f"(the parser said: {exc.problem or exc.context})")]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(detail):
            detail = "YAML tags such as !!python/object are not allowed; write plain values"
        raise ContentError([Problem(name, line, f"invalid YAML: {detail}")]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(name, 0, f"invalid YAML: {exc}")]) from exc
    except RecursionError as exc:
        raise ContentError([Problem(name, 0, "nested too deeply to read")]) from exc
    finally:
        loader.dispose()
    return Node(data, name, getattr(data, "line", 1), [])


_BOOL_HINT = "was read as a yes/no value; put it in quotes"


def _type_hint(value: Any) -> str:
    if isinstance(value, bool):
        return _BOOL_HINT
    if isinstance(value, int | float):
        return "was read as a number; put it in quotes"
    if value is None:
        return "is empty"
    if isinstance(value, dict):
        return "is a mapping"
    if isinstance(value, list):
        return "is a list"
    return f"is {type(value).__name__}"


@dataclass
class Node:
    """A value inside a loaded YAML file with its location; collects problems instead of raising.

    Accessors return a usable default after recording a problem, so one run reports every
    mistake in a file rather than stopping at the first.
    """

    value: Any
    path: str
    line: int
    problems: list[Problem] = field(repr=False)
    written: str | None = None

    def problem(self, message: str, line: int | None = None,
                severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.path, self.line if line is None else line, message, severity))

    def warn(self, message: str, line: int | None = None) -> None:
        self.problem(message, line, Severity.WARNING)

    def _child(self, value: Any, line: int, written: str | None = None) -> Node:
        if isinstance(value, LineMap | LineList):
            line = value.line
        return Node(value, self.path, line, self.problems, written)

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def keys(self) -> list[str]:
        return list(self.value) if isinstance(self.value, dict) else []

    def key_line(self, key: str) -> int:
        lines = getattr(self.value, "key_lines", {})
        return int(lines.get(key, self.line))

    def expect_map(self, what: str) -> bool:
        if isinstance(self.value, dict):
            return True
        self.problem(f"{what} {_type_hint(self.value)}; it must be a mapping of `key: value` lines")
        return False

    def allow_keys(self, allowed: set[str], what: str) -> None:
        for key in self.keys():
            if key not in allowed:
                self.problem(f"unknown field '{key}' in {what}; "
                             f"expected one of: {', '.join(sorted(allowed))}", self.key_line(key))

    def get(self, key: str) -> Node | None:
        if not isinstance(self.value, dict) or key not in self.value:
            return None
        return self._child(self.value[key], self.key_line(key), self._written(key))

    def _written(self, key: str | int) -> str | None:
        return getattr(self.value, "written", {}).get(key)

    def require(self, key: str, what: str) -> Node | None:
        child = self.get(key)
        if child is None:
            self.problem(f"{what} is missing the field '{key}'")
        return child

    def items(self) -> Iterator[tuple[str, Node]]:
        if isinstance(self.value, dict):
            for key, value in self.value.items():
                yield key, self._child(value, self.key_line(key), self._written(key))

    def elements(self, what: str) -> Iterator[Node]:
        if not isinstance(self.value, list):
            self.problem(f"{what} {_type_hint(self.value)}; it must be a list of `- item` lines")
            return
        lines = getattr(self.value, "item_lines", [self.line] * len(self.value))
        for n, (value, line) in enumerate(zip(self.value, lines, strict=True)):
            yield self._child(value, line, self._written(n))

    def text(self, what: str) -> str:
        if isinstance(self.value, str) and self.value.strip():
            return self.value.strip()
        if isinstance(self.value, str):
            self.problem(f"{what} is empty; write the text")
        elif self.written is not None:
            self.problem(f"{what} {_type_hint(self.value)}: \"{self.written}\"")
        else:
            self.problem(f"{what} {_type_hint(self.value)}; write text")
        return ""

    def text_list(self, what: str) -> list[str]:
        if isinstance(self.value, str):
            return [self.text(what)]
        return [t for item in self.elements(what) if (t := item.text(f"an item of {what}"))]

    def integer(self, what: str, low: int, high: int) -> int | None:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.problem(f"{what} must be a whole number from {low} to {high}")
            return None
        if not low <= self.value <= high:
            self.problem(f"{what} is {self.value}; it must be from {low} to {high}")
            return None
        return int(self.value)

    def boolean(self, what: str) -> bool:
        if isinstance(self.value, bool):
            return self.value
        self.problem(f"{what} must be true or false")
        return False
