"""The YAML loader: every broken file is refused with `file:line`, never loaded, never a crash."""

from pathlib import Path

import pytest

from bot.problems import ContentError
from bot.yamlio import load_file

BROKEN = Path(__file__).parent / "fixtures" / "broken"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_file(path, path.name)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("name", "expected"), [
    ("duplicate_key.yaml", "duplicate_key.yaml:4: invalid YAML: duplicate key 'id' (first on line 3)"),
    ("syntax_error.yaml", "syntax_error.yaml:4: invalid YAML:"),
    ("python_tag.yaml", "python_tag.yaml:2: invalid YAML: YAML tags such as !!python/object are not allowed"),
    ("bool_key.yaml", "bool_key.yaml:4: invalid YAML: the key False is not text; put it in quotes: \"no\""),
    ("empty.yaml", "empty.yaml:1: the file is empty"),
    ("deep_nesting.yaml", "deep_nesting.yaml:2: nested more than 20 levels deep"),
    ("not_utf8.yaml", "not_utf8.yaml:3: not valid UTF-8"),
])
def test_broken_files_are_refused_with_a_line(name: str, expected: str) -> None:
    found = problems_of(BROKEN / name)
    assert any(p.startswith(expected) for p in found), found


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("version: 1\nx: '" + "a" * 1_100_000 + "'\n")
    assert "larger than" in problems_of(path)[0]


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    assert "cannot read the file" in problems_of(tmp_path / "absent.yaml")[0]


def test_values_remember_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("version: 1\nitems:\n  - one\n  - two\nname: x\n")
    root = load_file(path)
    items = root.get("items")
    assert items is not None
    assert [i.line for i in items.elements("items")] == [3, 4]
    assert root.key_line("name") == 5


def test_typed_accessors_explain_yaml_1_1_surprises(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("version: 1\nanswer: no\nnumber: 115\n")
    root = load_file(path, "t.yaml")
    answer, number = root.get("answer"), root.get("number")
    assert answer is not None and number is not None
    answer.text("answer")
    number.text("number")
    assert [str(p) for p in root.problems] == [
        't.yaml:2: answer was read as a yes/no value; put it in quotes: "no"',
        't.yaml:3: number was read as a number; put it in quotes: "115"',
    ]
