"""Concepts, rules written over them, and contexts: the mechanism on small hand-made rules, then
the shipped rules on the kinds of message the brief names (../shared/resources/crisis-language.md)."""

from __future__ import annotations

import pytest

from bot.core.concepts import Scope
from bot.core.crisis import CrisisDetector
from bot.core.crisis_rules import (
    CombinationSpec,
    ConceptSpec,
    ContextSpec,
    CrisisRules,
    Flaw,
    RuleSpec,
    Written,
    compile_rules,
)
from bot.core.detectors import Level
from bot.core.engine import Engine
from bot.core.language import LanguageGuesser
from bot.core.normalise import Normaliser

VI = "mình tôi muốn chết nóng học sống cầu nhảy uống thuốc sâu bài tập về tự tử thèm quá"
EN = "i want to die my friend homework the song bridge jump took them yesterday and they helped a lot"


def written(text: str) -> Written:
    return Written(text, "crisis.yaml", 1)


def combination(text: str) -> CombinationSpec:
    slots = tuple(tuple(c.strip() for c in slot.split("|")) for slot in text.split("+"))
    return CombinationSpec(written(text), slots)


def build(concepts: dict[str, list[str]], rules: dict[str, tuple[Level, Scope, list[str]]],
          contexts: tuple[ContextSpec, ...] = (), english: dict[str, list[str]] | None = None,
          vietnamese: frozenset[str] = frozenset()) -> tuple[CrisisDetector, Normaliser, list[Flaw]]:
    normalise = Normaliser({}, LanguageGuesser.from_texts(VI.split(), EN.split()))
    spec = CrisisRules(
        rules=tuple(RuleSpec(rid, level, False, (), (), tuple(combination(c) for c in when), scope)
                    for rid, (level, scope, when) in rules.items()),
        guards=(), lookalikes=(), fillers=(written("rất"), written("quá"), written("thật")),
        negations=("không",), others=("bạn mình",), first_person=("mình",),
        concepts=tuple(ConceptSpec(name, tuple(written(w) for w in words), "crisis.yaml", 1,
                                   tuple(written(w) for w in (english or {}).get(name, ())))
                       for name, words in concepts.items()),
        contexts=contexts)
    detector, flaws = compile_rules(spec, normalise, vietnamese)
    return detector, normalise, flaws


def fires(detector: CrisisDetector, normalise: Normaliser, text: str) -> str | None:
    signal = detector.inspect(normalise(text)).signal
    return signal.rule if signal else None


WORDS = {"self": ["mình"], "intend": ["muốn"], "jump": ["nhảy"], "place": ["cầu"], "die": ["chết"]}


@pytest.mark.parametrize(("scope", "text", "expected"), [
    ("next", "mình muốn nhảy", True),
    ("next", "muốn mình nhảy", False),  # out of order
    ("next", "mình hôm qua rồi sáng nay muốn nhảy", False),  # more than three words apart
    ("next", "mình, muốn nhảy", False),  # across a clause break
    ("clause", "nhảy thì muốn mình", True),  # any order inside a clause
    ("clause", "mình muốn, nhảy", False),
    ("sentence", "mình muốn, nhảy", True),
    ("sentence", "mình muốn. nhảy", False),
    ("message", "mình muốn. nhảy", True),
])
def test_a_combination_holds_within_its_scope(scope: Scope, text: str, expected: bool) -> None:
    detector, normalise, _ = build(WORDS, {"r": ("urgent", scope, ["self + intend + jump"])})
    assert (fires(detector, normalise, text) == "r") is expected


def test_a_slot_offers_choices_and_one_word_fills_one_slot() -> None:
    concepts = {"a": ["mình"], "b": ["mình", "tôi"]}
    detector, normalise, _ = build(concepts, {"r": ("urgent", "sentence", ["a + b"])})
    assert fires(detector, normalise, "mình") is None  # one word cannot fill both slots
    assert fires(detector, normalise, "mình và tôi") == "r"  # "mình" for a, "tôi" for b, tried in turn


def test_concept_words_are_found_without_diacritics_and_with_fillers() -> None:
    concepts = {**WORDS, "means": ["thuốc sâu"], "ingest": ["uống"]}
    detector, normalise, _ = build(concepts, {"r": ("urgent", "sentence", ["intend + ingest + means"])})
    assert fires(detector, normalise, "minh muon uong thuoc sau") == "r"
    assert fires(detector, normalise, "mình muốn uống hết thuốc rất sâu") == "r"  # fillers stand between
    assert fires(detector, normalise, "mình muốn uống. thuốc sâu") is None


def test_with_diacritics_in_the_message_a_bare_syllable_is_read_as_typed() -> None:
    concepts = {**WORDS, "means": ["thuốc sâu"], "ingest": ["ăn"]}
    detector, normalise, _ = build(concepts, {"r": ("urgent", "message", ["ingest + means"])})
    assert fires(detector, normalise, "phun thuốc sâu xong mặc đồ bảo hộ cho an toàn") is None
    assert fires(detector, normalise, "mình muốn ăn thuốc sâu") == "r"
    assert fires(detector, normalise, "minh muon an thuoc sau") == "r"  # no diacritics: every word folds
    assert fires(detector, normalise, "mình muốn an thuoc sau") is None  # "an" typed bare beside marked words
    assert fires(detector, normalise, "mình muốn ăn thuoc sau") == "r"  # longer words still fold


def test_a_negation_before_a_combination_lowers_it_fillers_aside() -> None:
    detector, normalise, _ = build(WORDS, {"r": ("urgent", "next", ["intend + jump"])})
    signal = detector.inspect(normalise("mình không thật muốn nhảy")).signal
    assert signal is not None and signal.level == "concern" and signal.negated


INTENSIFIER = ContextSpec("intensifier", (combination("* + want_die"),), "next",
                          (combination("self | intend + want_die"),), (), None, "crisis.yaml", 1)


def test_the_intensifier_construction_takes_any_feeling_but_not_a_person() -> None:
    concepts = {**WORDS, "want_die": ["muốn chết"]}
    detector, normalise, _ = build(concepts, {"r": ("urgent", "sentence", ["want_die"])}, (INTENSIFIER,))
    for feeling in ("nóng", "học", "stress", "chờ xe buýt lâu", "ngượng quá"):
        assert fires(detector, normalise, f"{feeling} muốn chết") is None, feeling
    assert fires(detector, normalise, "mình muốn chết") == "r"
    assert fires(detector, normalise, "mình thật muốn chết") == "r"  # the filler is skipped
    assert fires(detector, normalise, "muốn chết") == "r"  # nothing before it: no construction


def test_a_construction_takes_its_words_from_every_rule() -> None:
    concepts = {**WORDS, "want_die": ["muốn chết"]}
    rules: dict[str, tuple[Level, Scope, list[str]]] = {"r": ("urgent", "sentence", ["self + want_die"])}
    detector, normalise, _ = build(concepts, rules, (INTENSIFIER,))
    assert fires(detector, normalise, "mình nóng muốn chết") is None
    assert fires(detector, normalise, "mình nóng muốn chết, mình muốn chết thật") == "r"


def test_a_context_silences_its_sentence_unless_the_writer_speaks_of_themself() -> None:
    concepts = {**WORDS, "subject": ["bài tập"], "suicide": ["tự tử"]}
    subject = ContextSpec("subject", (combination("subject"),), "sentence",
                          (combination("self + intend + suicide"),), (), "suicide_topic", "crisis.yaml", 1)
    detector, normalise, _ = build(concepts, {"r": ("urgent", "sentence", ["suicide"])}, (subject,))
    homework = detector.inspect(normalise("bài tập về tự tử"))
    assert homework.signal is None and homework.topic == "suicide_topic"
    assert fires(detector, normalise, "bài tập về tự tử mà mình muốn tự tử") == "r"
    assert fires(detector, normalise, "bài tập về tự tử. tự tử") == "r"  # the other sentence is not its


def test_a_context_silences_only_the_rules_it_names() -> None:
    concepts = {**WORDS, "subject": ["bài tập"]}
    rules: dict[str, tuple[Level, Scope, list[str]]] = {
        "named": ("urgent", "sentence", ["intend + jump"]), "other": ("concern", "sentence", ["place"])}
    context = ContextSpec("c", (combination("subject"),), "sentence", (), ("named",), None, "crisis.yaml", 1)
    detector, normalise, _ = build(concepts, rules, (context,))
    assert fires(detector, normalise, "bài tập: muốn nhảy cầu") == "other"


def test_an_english_word_that_is_a_vietnamese_word_folded_counts_only_in_english() -> None:
    detector, normalise, _ = build({"subject": []}, {"r": ("urgent", "sentence", ["subject"])},
                                   english={"subject": ["song"]}, vietnamese=frozenset({"song"}))
    assert fires(detector, normalise, "the song about that bridge") == "r"
    assert fires(detector, normalise, "mình không muốn song nua") is None  # sống, not a song


def test_the_compiler_names_what_it_cannot_compile() -> None:
    _, _, flaws = build(WORDS, {"r": ("urgent", "sentence", ["intend + unknown", "jump + *"])})
    messages = [f.message for f in flaws]
    assert any("'unknown'" in m and "does not define" in m for m in messages)
    assert any("`*`" in m for m in messages)


@pytest.mark.parametrize(("text", "level"), [
    ("toi uong thuoc sau roi", "emergency"),
    ("mình vừa nuốt hết cả vỉ thuốc ngủ", "emergency"),
    ("em đang ngồi trên mép sân thượng", "emergency"),
    ("I just took all my pills", "emergency"),
    ("i'm standing on the roof right now", "emergency"),
    ("minh vưa uông hêt lo thuôc ngu rôi", "emergency"),  # typed without tone marks
    ("i did it. 45 pills. don't call anyone", "emergency"),  # the count, a sentence later
    ("vua nuot 20 vien paracetamol roi", "emergency"),
    ("ok. i took them. all of my sleeping pills", "emergency"),  # "them" is not "thèm"
    ("the rope is around my neck now", "emergency"),
    ("mk dang dung tren san thuong, ko muon xuong nua", "emergency"),
    ("noose is up. chair is there.", "emergency"),  # in two sentences
    ("tay cầm dao rồi, đang cứa đây", "emergency"),
    ("mk định tu hết can thuốc cỏ", "urgent"),
    ("toi muon nhay cau Nhat Tan toi nay", "urgent"),
    ("uống thuốc ngủ thì có đau không", "urgent"),
    ("tôi mua sẵn than với băng dính rồi", "urgent"),
    ("dạo này em hay nghĩ quẩn lắm", "urgent"),
    ("tau nỏ thiết sống nữa", "urgent"),  # Central: nỏ is không
    ("giá mà mình bị xe đâm một phát cho xong", "concern"),
    ("em thấy mình là gánh nặng cho bố mẹ", "concern"),
    ("i feel like i'm just a weight on everyone", "concern"),
])
def test_the_shipped_rules_put_each_kind_at_its_level(engine: Engine, text: str, level: str) -> None:
    decision = engine.decide(text)
    assert decision.crisis and decision.level == level, (text, decision.level, decision.rule)


@pytest.mark.parametrize(("text", "topic"), [
    ("Em đang làm bài thuyết trình về phòng chống tự tử ở học sinh", "suicide_topic"),
    ("When is World Suicide Prevention Day?", "suicide_topic"),
    ("Năm lớp 11 mình từng muốn tự tử, giờ mình ổn rồi", "resolved_past"),
    ("hồi xưa tui tính nhảy sông, giờ cười được rồi", "resolved_past"),
    ("i used to think everyone would be better off without me. doing fine now", "resolved_past"),
    ("nói chuyện với bạn bè về tự tử thế nào cho đúng?", "suicide_topic"),
    ("làm sao nhận biết học sinh có dấu hiệu muốn tự tử", "help_someone_else"),
])
def test_a_subject_or_a_past_gets_its_topic_not_an_escalation(engine: Engine, text: str, topic: str) -> None:
    decision = engine.decide(text)
    assert not decision.crisis and decision.intent == topic


def test_a_past_that_is_back_escalates(engine: Engine) -> None:
    assert engine.decide("hồi trước mình từng cắt tay, giờ ổn rồi nhưng tối nay lại muốn cắt").crisis


@pytest.mark.parametrize("text", [
    "mình hay nghĩ về tự tử",  # a thought of one's own is no subject
    "how do i hide cuts from my PE teacher",  # a teacher named, the marks one's own
    "ổng nói với tui là ổng muốn chết",  # "[someone] muốn chết" is said of a person
    "thằng em tui nó nói muốn chết hoài",
    "mình có dấu hiệu trầm cảm, mình muốn tự tử",
    "Bác sĩ kê thuốc an thần, tôi không uống mà để dành hết",  # a doctor named, the pills hoarded
    "relapsed after 200 days clean. cut deeper than usual",  # a relapse told over two sentences
    "em vừa rạch tay HOTLINE",  # asking for a line is no subject; the act is one's own
    "Con nghĩ nếu con đi trước thì bố mẹ hết khổ. Con nhìn bố mẹ già đi từng ngày",  # "từng" is each
])
def test_contexts_step_aside_where_the_risk_is_the_writers_or_a_persons(engine: Engine, text: str) -> None:
    assert engine.decide(text).crisis, text


def test_a_count_that_is_a_dose_or_a_fever_is_not_an_overdose(engine: Engine) -> None:
    assert not engine.decide("con sốt 39 độ, uống hạ sốt mấy tiếng 1 lần ạ").crisis
    assert engine.decide("bác sĩ kê 2 viên thuốc ngủ mỗi tối, uống rồi").level != "emergency"


@pytest.mark.parametrize("text", [
    "chết dở rồi, mai thi mà chưa học chữ nào",
    "xe chết máy giữa đường",
    "mk bị đứt tay lúc thái hành, máu ra nhiều ghê, băng lại r",  # an accident, over two clauses
    "con meo nhay tu tu lanh xuong",  # "tu tu lanh" is the fridge, not "tự tử"
    "gần nhà có lớp dạy bơi và nhảy cầu cho trẻ em không",  # diving, the sport
    "phun thuốc sâu xong nhớ mặc đồ bảo hộ cho an toàn",
    "Chu choa, mi làm tau giật mình muốn chết",  # "giật mình" (startled) is no "mình"
    "mùa nước nổi tụi nhỏ nhảy sông tắm mát quá trời",
    "muốn biến khỏi cuộc họp này ghê, nói tới nói lui hoài",
    "when the prof says quick quiz i wanna crawl into a hole and die",
])
def test_idioms_accidents_and_everyday_compounds_are_not_escalated(engine: Engine, text: str) -> None:
    assert not engine.decide(text).crisis, text


def test_an_intensifier_gets_its_topic_and_a_line_that_keeps_the_door_open(engine: Engine) -> None:
    response = engine.respond("stress muốn chết với cái deadline này")
    assert not response.decision.crisis and response.decision.intent == "coping_stress"
    assert engine.replies.say("door_open", "vi") in response.reply.text


def test_many_stands_for_a_count_of_ten_or_more_in_digits() -> None:
    detector, normalise, flaws = build({"gulp": ["nuốt"], "count": ["<many>"]},
                                       {"r": ("emergency", "next", ["gulp + count"])})
    assert not flaws
    assert fires(detector, normalise, "mình nuốt 15 viên rồi") == "r"
    assert fires(detector, normalise, "mình nuốt 2 viên rồi") is None  # an ordinary dose


def test_a_vietnamese_word_that_folds_to_an_english_one_needs_its_marks_in_english() -> None:
    normalise = Normaliser({}, LanguageGuesser.from_texts(VI.split(), EN.split()))
    spec = CrisisRules(
        rules=(RuleSpec("r", "urgent", False, (), (), (combination("intend + ingest"),), "clause"),),
        guards=(), lookalikes=(), fillers=(), negations=("không",), others=(), first_person=("mình",),
        concepts=(ConceptSpec("intend", (written("thèm"),), "crisis.yaml", 1, (written("want to"),)),
                  ConceptSpec("ingest", (written("uống"),), "crisis.yaml", 1, (written("took"),))))
    detector, _ = compile_rules(spec, normalise, frozenset(), frozenset({"them"}))
    assert fires(detector, normalise, "i took them yesterday and they helped a lot") is None
    assert fires(detector, normalise, "thèm uống quá") == "r"
