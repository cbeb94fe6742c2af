"""The YAML loader: every broken file is refused with `file:line`, never loaded, never a crash."""

from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.content.yamlio import load_file

BROKEN = Path(__file__).parent / "fixtures" / "broken"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_file(path, path.name)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("name", "expected"), [
    ("duplicate_key.yaml", "duplicate_key.yaml:4: invalid YAML: duplicate key 'id' (first on line 3)"),
    ("syntax_error.yaml", "syntax_error.yaml:3: invalid YAML: the [ opened on this line is not closed"),
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


# (what the operator wrote, the line of the mistake, words of the hint). PyYAML's own message
# for most of these names a later line and no cause.
SYNTAX_MISTAKES = [
    ("intent:\n  id: x\n   title: y\n", 4, "indented further than `id:` on line 3"),
    ("intent:\n  examples:\n    vi:\n      - a\n    - b\n  id: x\n", 6,
     "line its `-` up with the other items"),
    ("intent:\n  id: x\n  title {vi: a, en: b}\n  menu: c\n", 4, "write `title: {vi: a, en: b}`"),
    ("intent:\n  id x\n  title: y\n", 3, "no `:` after its key; write `id: x`"),
    ("intent:\n  id:x\n  title: y\n", 3, "no space after the `:`; write `id: x`"),
    ("intent:\n  examples\n    vi:\n      - a\n", 3, "write `examples:`"),
    ("intent:\n\tid: x\n", 3, "a tab in the indentation"),
    ("intent:\n  examples:\n    vi:\n\t- a\n", 5, "a tab in the indentation"),
    ('intent:\n  id: "x\n  title: y\n', 3, 'the quote " opened on this line is never closed'),
    ("intent:\n  id: 'x\n  title: y\n", 3, "the quote ' opened on this line is never closed"),
    ("intent:\n  title: {vi: a, en: b\n  id: x\n", 3, "the { opened on this line is not closed"),
    ("intent:\n  resources: [a, b\n  id: x\n", 3, "the [ opened on this line is not closed"),
    ('intent:\n  title: "abc" def\n', 3, "text after the closing quote"),
    ("intent:\n  examples:\n    vi:\n      - a\n      b: c\n", 6, "does not start with `- `"),
    ("intent:\n  reply: Note: this is bad\n", 3, 'put the whole value in quotes: reply: "Note: this is bad"'),
    ("intent:\n  id: @x\n", 3, 'a value cannot start with @ in YAML; put it in quotes: "@x"'),
    ("intent:\n  id: *x\n", 3, 'a value cannot start with * in YAML; put it in quotes: "*x"'),
]


@pytest.mark.parametrize(("body", "line", "words"), SYNTAX_MISTAKES)
def test_a_syntax_error_names_its_likely_cause_and_the_fix(tmp_path: Path, body: str, line: int,
                                                          words: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("version: 1\n" + body, encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"x.yaml:{line}: invalid YAML: "), problem
    assert words in problem and "(the parser said: " in problem
