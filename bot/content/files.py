"""The content files: which are read, in what order, and the first look at each.

Every file starts with `version: 1` and holds one kind of content under one key (see
`intents/README.md`). A file YAML cannot read is reported once, with a note that errors
elsewhere may follow from it: `bot.content.loader` leaves those out until it reads.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.content.problems import ContentError, Problem
from bot.content.yamlio import Node, load_file

VERSION = 1
KINDS = ("intent", "crisis", "guards", "teencode", "messages", "exercise", "safety_plan", "training",
         "dialogue")
TRAINING_DIR = "training"  # the training corpus, a folder of its own: it is long
KNOCK_ON = (". Errors in other files may follow from this one; they are left out until this "
            "file reads")


def content_files(intents_dir: Path) -> list[Path]:
    """The files content is loaded from, in the order they are read: the folder's, then the
    training corpus's."""
    return [p for folder in (intents_dir, intents_dir / TRAINING_DIR)
            for p in sorted(folder.glob("*.y*ml")) if p.suffix in (".yaml", ".yml")]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def open_file(path: Path, problems: list[Problem], unreadable: list[Path]) -> Node | None:
    """The file's top mapping with its version checked; None (and the path in `unreadable`
    when YAML could not read it) when there is nothing to load from it."""
    try:
        root = load_file(path, _display(path))
    except ContentError as exc:
        unreadable.append(path)
        problems.extend(replace(p, message=p.message + KNOCK_ON) for p in exc.problems)
        return None
    root.problems = problems
    if not root.expect_map("the file"):
        return None
    version = root.get("version")
    if version is None:
        root.problem("missing `version: 1`; add it as the first line", 1)
    elif version.value != VERSION:
        version.problem(f"version is {version.value!r}; this bot reads `version: {VERSION}`")
    return root


def kind_of(root: Node) -> tuple[str, Node] | None:
    """The one kind of content the file holds, and its node."""
    kinds = [k for k in root.keys() if k != "version"]  # noqa: SIM118 (Node is not a dict)
    if len(kinds) != 1 or kinds[0] not in KINDS:
        root.problem(f"a content file holds exactly one of: {', '.join(KINDS)} "
                     f"(found: {', '.join(kinds) or 'nothing'})")
        return None
    node = root.get(kinds[0])
    assert node is not None
    return kinds[0], node
