"""Operators' mistakes are caught with `file:line`, never loaded. Each test breaks one thing
in a copy of the shipped content."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.content.loader import load_engine
from bot.content.problems import ContentError, Problem, Severity
from bot.content.validate import check_engine

ROOT = Path(__file__).resolve().parent.parent


class Content:
    def __init__(self, base: Path) -> None:
        self.intents = base / "intents"
        self.resources = base / "resources.yaml"
        shutil.copytree(ROOT / "intents", self.intents)
        shutil.copy(ROOT / "resources.yaml", self.resources)

    def edit(self, path: Path, old: str, new: str) -> int:
        """Replace text once; return the 1-based line where the change starts."""
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        line = text[: text.index(old)].count("\n") + 1
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return line

    def problems(self) -> list[Problem]:
        try:
            loaded = load_engine(self.intents, self.resources)
        except ContentError as exc:
            return list(exc.problems)
        return [*loaded.warnings, *check_engine(loaded.engine, date(2026, 11, 21))]


@pytest.fixture
def content(tmp_path: Path) -> Content:
    return Content(tmp_path)


def messages(problems: list[Problem]) -> list[str]:
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems]


def assert_problem(problems: list[Problem], where: str, words: str) -> None:
    found = messages(problems)
    assert any(m.startswith(where) and words in m for m in found), found


def test_shipped_content_is_clean(content: Content) -> None:
    assert [str(p) for p in content.problems()] == []


def test_missing_version(content: Content) -> None:
    content.edit(content.intents / "coping_sleep.yaml", "version: 1\n", "")
    assert_problem(content.problems(), "coping_sleep.yaml:1:", "missing `version: 1`")


def test_unknown_field_names_its_line(content: Content) -> None:
    line = content.edit(content.intents / "coping_sleep.yaml", "  examples:", "  exampels:")
    problems = content.problems()
    assert_problem(problems, f"coping_sleep.yaml:{line}:", "unknown field 'exampels'")


def test_unquoted_no_in_an_example(content: Content) -> None:
    path = content.intents / "goodbye.yaml"
    line = content.edit(path, "    en:\n", "    en:\n      - no\n") + 1
    assert_problem(content.problems(), f"goodbye.yaml:{line}:", 'put it in quotes: "no"')


def test_duplicate_key(content: Content) -> None:
    path = content.intents / "thanks.yaml"
    line = content.edit(path, "  id: thanks\n", "  id: thanks\n  id: thanks_again\n") + 1
    assert_problem(content.problems(), f"thanks.yaml:{line}:", "duplicate key 'id'")


def test_duplicate_intent_id_across_files(content: Content) -> None:
    shutil.copy(content.intents / "thanks.yaml", content.intents / "thanks_copy.yaml")
    assert_problem(content.problems(), "thanks_copy.yaml:", "intent id 'thanks' is already used")


def test_reference_to_an_unknown_resource(content: Content) -> None:
    content.edit(content.intents / "coping_sleep.yaml", "intent:\n",
                 "intent:\n  resources: [no_such_line]\n")
    assert_problem(content.problems(), "coping_sleep.yaml:", "resource 'no_such_line'")


def test_phone_number_written_as_a_bare_number(content: Content) -> None:
    line = content.edit(content.resources, 'number: "113"', "number: 113")
    assert_problem(content.problems(), f"resources.yaml:{line}:", 'put it in quotes: "113"')


def test_1900_number_marked_free(content: Content) -> None:
    content.edit(content.resources, "    cost: caller-pays\n", "    cost: free\n")
    assert_problem(content.problems(), "resources.yaml:", "1900 numbers charge the caller")


def test_hotline_without_sources(content: Content) -> None:
    content.edit(content.resources,
                 '    sources:\n      - {url: "https://kienthucykhoa.edu.vn/113-la-so-dien-thoai-gi", '
                 'date: "undated"}\n    verified: "2026-11-21"\n    verified_how: desk check; '
                 '"free" widely stated, not confirmed by a primary source\n\n  - id: child',
                 '    verified: "2026-11-21"\n\n  - id: child')
    assert_problem(content.problems(), "resources.yaml:", "hotline 'police' has no sources")


def test_number_from_the_do_not_list(content: Content) -> None:
    content.edit(content.resources, 'number: "1800 1768"', 'number: "1800 1567"')
    assert_problem(content.problems(), "resources.yaml:", "on the do_not_list")


def test_stale_verification_is_a_warning(content: Content) -> None:
    content.edit(content.resources, 'number: "113"', 'number: "113"')
    text = content.resources.read_text().replace('verified: "2026-11-21"', 'verified: "2025-01-01"')
    content.resources.write_text(text)
    problems = content.problems()
    stale = [p for p in problems if "over 180 days" in p.message]
    assert stale and all(p.severity is Severity.WARNING for p in stale)


def test_example_that_matches_another_intent(content: Content) -> None:
    first = (content.intents / "coping_sleep.yaml").read_text().split("    vi:\n")[1].splitlines()[0]
    line = content.edit(content.intents / "thanks.yaml", "    vi:\n", f"    vi:\n{first}\n") + 1
    problems = content.problems()
    assert_problem(problems, f"thanks.yaml:{line}:", "also an example of 'coping_sleep'")


def test_crisis_phrase_used_as_an_intent_example(content: Content) -> None:
    line = content.edit(content.intents / "coping_low_mood.yaml", "    vi:\n",
                        "    vi:\n      - mình muốn tự tử\n") + 1
    assert_problem(content.problems(), f"coping_low_mood.yaml:{line}:", "contains a crisis phrase")


def test_too_short_example(content: Content) -> None:
    line = content.edit(content.intents / "greeting.yaml", "    en:\n", "    en:\n      - hi\n") + 1
    assert_problem(content.problems(), f"greeting.yaml:{line}:", "too short to match safely")


def test_a_guard_that_would_silence_a_crisis_phrase(content: Content) -> None:
    content.edit(content.intents / "hyperbole.yaml", "phrases: [nóng muốn chết,",
                 "phrases: [muốn chết, nóng muốn chết,")
    assert_problem(content.problems(), "hyperbole.yaml:", "would silence it")


def test_not_example_that_escalates(content: Content) -> None:
    line = content.edit(content.intents / "crisis.yaml", "        - từ từ rồi tính\n",
                        "        - từ từ rồi tính\n        - tôi muốn tự tử thật\n") + 1
    assert_problem(content.problems(), f"crisis.yaml:{line}:", "must not escalate")


def test_crisis_example_that_does_not_escalate(content: Content) -> None:
    line = content.edit(content.intents / "crisis.yaml", "        - tôi muốn tự tử\n",
                        "        - tôi muốn tự tử\n        - hôm nay trời đẹp\n") + 1
    assert_problem(content.problems(), f"crisis.yaml:{line}:", "must escalate")


def test_every_error_is_reported_in_one_run(content: Content) -> None:
    content.edit(content.intents / "coping_sleep.yaml", "  examples:", "  exampels:")
    content.edit(content.resources, 'number: "113"', "number: 113")
    content.edit(content.intents / "thanks.yaml", "version: 1\n", "")
    found = messages(content.problems())
    assert any("coping_sleep" in m for m in found)
    assert any("resources.yaml" in m for m in found)
    assert any("thanks.yaml" in m for m in found)


BROKEN = Path(__file__).parent / "fixtures" / "broken"


@pytest.mark.parametrize("name", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_a_broken_file_among_good_content_is_refused_with_its_line(content: Content, name: str) -> None:
    shutil.copy(BROKEN / name, content.intents / name)
    found = [p for p in content.problems() if Path(p.path).name == name]
    assert found and all(p.line > 0 for p in found), messages(content.problems())


def test_an_exercise_button_that_leads_nowhere(content: Content) -> None:
    path = content.intents / "exercise_breathing.yaml"
    line = content.edit(path, "offer: [exercise:grounding,", "offer: [exercise:groundig,")
    assert_problem(content.problems(), f"exercise_breathing.yaml:{line}:",
                   "button 'exercise:groundig' leads nowhere")


def test_an_intent_button_to_a_missing_exercise(content: Content) -> None:
    path = content.intents / "coping_anxiety.yaml"
    line = content.edit(path, "buttons: [exercise:breathing,", "buttons: [exercise:breath,")
    assert_problem(content.problems(), f"coping_anxiety.yaml:{line}:", "leads nowhere")


def test_a_timed_step_cannot_have_choices(content: Content) -> None:
    path = content.intents / "exercise_breathing.yaml"
    line = content.edit(path, "      seconds: 4\n", "      seconds: 4\n      choices:\n"
                        "        - {label: {vi: a, en: a}, reply: {vi: b, en: b}}\n")
    assert_problem(content.problems(), f"exercise_breathing.yaml:{line}:", "cannot have `choices`")


def test_a_step_with_an_unknown_placeholder(content: Content) -> None:
    path = content.intents / "exercise_breathing.yaml"
    content.edit(path, "{round}/{rounds}", "{round}/{total}")
    assert_problem(content.problems(), "exercise_breathing.yaml:", "only {round} and {rounds}")


def test_the_plan_emergency_line_needs_its_number(content: Content) -> None:
    path = content.intents / "safety_plan.yaml"
    line = content.edit(path, "  emergency:\n", "  emergency:\n")
    content.edit(path, "gọi {number} (cấp cứu", "gọi 115 (cấp cứu")
    assert_problem(content.problems(), f"safety_plan.yaml:{line}:", "must contain {number}")


def test_the_safety_plan_is_required(content: Content) -> None:
    (content.intents / "safety_plan.yaml").unlink()
    assert_problem(content.problems(), "intents:0:", "no safety plan")


def test_a_check_in_time_that_is_not_a_time(content: Content) -> None:
    line = content.edit(content.intents / "crisis.yaml", '"21:00"', '"9pm"')
    assert_problem(content.problems(), f"crisis.yaml:{line}:", "must be written as \"HH:MM\"")


def test_a_missing_activity_message(content: Content) -> None:
    content.edit(content.intents / "activity_messages.yaml", '  button_stop: {vi: "Dừng", en: "Stop"}\n', "")
    assert_problem(content.problems(), "messages.yaml:0:", "message 'button_stop' is missing")


def test_a_mistake_in_an_intents_examples_is_reported_once(content: Content) -> None:
    line = content.edit(content.intents / "coping_sleep.yaml", "  examples:\n",
                        "  examples:\n    fr: [\"bonjour tout le monde\"]\n")
    found = [m for m in messages(content.problems()) if "unknown field 'fr'" in m]
    assert found == [f"coping_sleep.yaml:{line + 1}: unknown field 'fr' in examples; "
                     "expected one of: en, vi"]


@pytest.mark.parametrize(("name", "old", "new", "words"), [
    ("crisis.yaml", "  fillers: [còn,", "  fillers: [thật sự, còn,", "filler 'thật sự' is 2 words"),
    ("crisis.yaml", "  fillers: [còn,", "  fillers: [chẳng, còn,", "filler 'chẳng' is a negation"),
    ("crisis.yaml", "        vi: [tự tử,", "        vi: [muốn * chết, tự tử,", "`*` goes only in guards"),
    ("hyperbole.yaml", "    phrases: [nóng muốn chết,", "    phrases: ['* muốn chết', nóng muốn chết,",
     "starts or ends with `*`"),
    ("hyperbole.yaml", "    phrases: [nóng muốn chết,", "    phrases: [thèm muốn chết *, nóng muốn chết,",
     "starts or ends with `*`"),
    ("hyperbole.yaml", "    phrases: [nóng muốn chết,", "    phrases: [thèm * * * muốn chết, nóng muốn chết,",
     "three `*` in a row"),
    ("crisis.yaml", '        - "rather + dead"', '        - "uống thuốc"', "has one group"),
    ("crisis.yaml", '        - "rather + dead"', '        - "uống + + thuốc"', "has an empty group"),
    ("crisis.yaml", '        - "rather + dead"', '        - "uống + * + chết"', "has a `*`"),
])
def test_a_filler_star_or_together_entry_that_cannot_work(content: Content, name: str, old: str, new: str,
                                                           words: str) -> None:
    line = content.edit(content.intents / name, old, new)
    assert_problem(content.problems(), f"{name}:{line}:", words)


@pytest.mark.parametrize(("broken", "knock_on"), [
    ("coping_sleep.yaml", "leads nowhere"),  # other intents' buttons lead to it
    ("crisis.yaml", "no crisis rules"),
    ("messages.yaml", "is missing; the bot needs it"),
    ("exercise_breathing.yaml", "leads nowhere"),
])
def test_a_file_that_does_not_parse_is_the_only_error_reported(content: Content, broken: str,
                                                                knock_on: str) -> None:
    path = content.intents / broken
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "\tbroken: here\n")  # a tab: a syntax error on line 3
    path.write_text("".join(lines), encoding="utf-8")
    [problem] = messages(content.problems())
    assert problem.startswith(f"{broken}:3: invalid YAML: a tab in the indentation; YAML indents "
                              "with spaces only: replace the tab with spaces")
    assert problem.endswith("Errors in other files may follow from this one; they are left out "
                            "until this file reads")
    assert knock_on not in problem


def test_unparsed_resources_hide_the_references_to_them(content: Content) -> None:
    content.edit(content.resources, "hotlines:\n", "hotlines:\n  - id: [x\n")
    problems = content.problems()
    assert [Path(p.path).name for p in problems] == ["resources.yaml"]


def test_errors_in_files_that_parse_are_still_reported_beside_a_syntax_error(content: Content) -> None:
    content.edit(content.intents / "coping_sleep.yaml", "version: 1\n", "version: 1\n\tx: y\n")
    line = content.edit(content.intents / "goodbye.yaml", "  examples:", "  exampels:")
    problems = content.problems()
    assert_problem(problems, "coping_sleep.yaml:2:", "a tab in the indentation")
    assert_problem(problems, f"goodbye.yaml:{line}:", "unknown field 'exampels'")


@pytest.mark.parametrize(("path", "old", "new"), [
    ("coping_low_mood.yaml", "Cảm ơn bạn đã nói ra.", "Cảm ơn bạn đã nói ra. Rồi mọi chuyện sẽ ổn thôi."),
    ("coping_anxiety.yaml", "The feeling is real,", "The feeling is real and it will pass,"),
    ("messages.yaml", "Mình mừng vì lúc này bạn an toàn.", "Mình mừng vì lúc này bạn an toàn. Rồi sẽ qua."),
])
def test_a_reply_that_promises_feelings_will_pass_is_refused(content: Content, path: str, old: str,
                                                              new: str) -> None:
    content.edit(content.intents / path, old, new)
    assert_problem(content.problems(), path, "promises that feelings will pass")


def test_a_placeholder_the_bot_does_not_fill_is_refused(content: Content) -> None:
    path = content.intents / "help.yaml"
    content.edit(path, "{commands}\n\n      If", "{command}\n\n      If")
    lines = path.read_text(encoding="utf-8").splitlines()
    english = lines.index("    en: |", lines.index("  reply:")) + 1  # where the English reply starts
    assert_problem(content.problems(), f"help.yaml:{english}:", "the reply (en) has {command}, which the "
                   "bot does not fill in")


def test_a_menu_button_must_name_a_menu_group(content: Content) -> None:
    line = content.edit(content.intents / "crisis.yaml", "menu:coping, menu:campaign]",
                        "menu:copign, menu:campaign]")
    assert_problem(content.problems(), f"crisis.yaml:{line}:", "button 'menu:copign' leads nowhere")



@pytest.mark.parametrize(("old", "new", "words"), [
    ("concepts: [farewell, goodbye,", "concepts: [farewel, goodbye,", "names the concept 'farewel'"),
    ("steps: [despair, farewell]", "steps: [despair, farewells]", "names the cue 'farewells'"),
    ("steps: [despair, farewell]", "steps: [farewell]", "needs at least two"),
    ('      en: ["no", nah,', '      en: ["no", nah, yeah,', "under both `yes` and `no`"),
])
def test_dialogue_mistakes_name_their_line(content: Content, old: str, new: str, words: str) -> None:
    line = content.edit(content.intents / "dialogue.yaml", old, new)
    assert_problem(content.problems(), f"dialogue.yaml:{line}", words)
