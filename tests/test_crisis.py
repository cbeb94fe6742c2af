"""Crisis detection on the shipped content: recall first, then no false alarms on hyperbole."""

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.crisis import CrisisCheck, CrisisDetector
from bot.core.engine import Engine
from bot.core.models import VIETNAM
from bot.core.normalise import Normalised
from tests.support import act

ZW = "\u200b"


@pytest.mark.parametrize("text", [
    "tôi muốn tự tử",
    "toi muon tu tu",
    "TÔI MUỐN TỰ TỬ!!!",
    "mk mún chết lắm r",
    "t ko mun song nua dau",
    "dạo này mình toàn nghĩ tới chuyện tự sát",
    "tối nay em sẽ kết thúc tất cả",
    "em vừa rạch tay xong",
    "toi vua rach tay",
    "muốn chết quá đi mất",
    "mình muốn chét",                      # typo in a long-enough word
    "tôi muốn tự tữ",                      # wrong marks on the right letters, in a short word
    "em muốn tụ sát",
    f"tự{ZW} tử",                           # zero-width character inside the phrase
    f"mu{ZW}ốn ch{ZW}ết",
    "😭😭😭 muốn chết 😭😭😭",
    "i want to kill myself",
    "i wanna die",
    "im gonna end my life tonight",
    "I'm going to kill myself",
    "have been having suicidal thoughts",
    "i want to kil myself",
    "i keep cutting myself",
])
def test_escalates(engine: Engine, text: str) -> None:
    assert engine.decide(text).crisis, text


@pytest.mark.parametrize("position", ["start", "middle", "end"])
def test_phrase_anywhere_in_a_long_message_escalates(engine: Engine, position: str) -> None:
    filler = "Hôm nay đi học về mệt, bố mẹ lại cằn nhằn chuyện điểm số, bạn bè thì bận. " * 40
    phrase = "mình chỉ muốn tự tử thôi"
    text = {"start": phrase + ". " + filler, "middle": filler + phrase + ". " + filler,
            "end": filler + phrase}[position]
    assert len(text) > 2000
    assert engine.decide(text).level == "urgent"


@pytest.mark.parametrize("text", [
    "nóng muốn chết",
    "cười muốn chết với clip này",
    "từ từ rồi tính",
    "cứ từ từ thôi",
    "mình cần tư vấn tâm lý",
    "can tu van tam ly",
    "áo bị rách tay áo rồi",
    "chiều nay đi đánh cầu lông",
    "i'm dying of laughter",
    "just killing time",
    "toi muon chat voi ban",     # "chat" is one letter from "chết" folded, and must stay chat
    "i want to learn a new skill myself",
])
def test_does_not_escalate(engine: Engine, text: str) -> None:
    decision = engine.decide(text)
    assert not decision.crisis, (text, decision.rule)


@pytest.mark.parametrize("text", ["toi muon tu tu roi", "toi muon tu tu ma", "minh dinh tu tu thoi",
                                  "em se tu tu da"])
def test_a_slowly_guard_never_silences_a_stated_intent(engine: Engine, text: str) -> None:
    # Found by hypothesis: without diacritics, "từ từ rồi" (slowly, then) covered "tu tu".
    assert engine.decide(text).crisis, text


def test_diacritics_decide_the_tu_tu_collision(engine: Engine) -> None:
    assert engine.decide("tôi muốn tự tử").crisis
    assert engine.decide("toi muon tu tu").crisis           # no diacritics: folded form counts
    assert not engine.decide("tôi muốn làm từ từ").crisis   # typed "slowly": never folded


def test_a_guard_silences_only_its_own_words(engine: Engine) -> None:
    assert not engine.decide("trời nóng muốn chết").crisis
    decision = engine.decide("trời nóng muốn chết, mà tôi muốn chết thật")
    assert decision.crisis and decision.level == "urgent"


def test_in_a_message_with_marks_a_guard_word_typed_bare_is_not_the_guard(engine: Engine) -> None:
    # Found by the property test: a stray "O" after the phrase completed "không muốn sống ở".
    assert not engine.decide("mình không muốn sống ở Hà Nội nữa, đắt đỏ quá").crisis
    assert engine.decide("không muốn sống nữa O").crisis
    assert not engine.decide("khong muon song o ha noi nua").crisis  # no marks anywhere: folded


def test_a_guard_stands_over_a_bare_crisis_phrase_when_its_own_word_beside_has_marks(engine: Engine) -> None:
    # "tu van" alone is also "tự vẫn"; "tâm lý" typed with its marks says it is counselling.
    assert not engine.decide("có tổng đài tu van tam lý miễn phí không").crisis
    assert engine.decide("cho mình số tu van tam lý, mình muốn tự tử lắm").crisis
    # The guard's own words beside the phrase typed bare prove nothing, as before.
    assert engine.decide("không muốn sống nữa o").crisis


def test_a_contexts_own_words_do_not_count_against_it(engine: Engine) -> None:
    # "Mị định" is the subject (the character intends), not the writer's own intention.
    assert not engine.decide("phân tích giúp em đoạn Mị định ăn lá ngón với ạ").crisis
    assert engine.decide("đọc đoạn Mị ăn lá ngón mà em cũng định ăn lá ngón").crisis


def test_an_english_concept_word_is_never_a_vietnamese_word_typed_with_marks(engine: Engine) -> None:
    # Found by the property test: "I" and "İD" made the message English, and "sống" read as
    # "song" made it suicide as a subject.
    assert engine.decide("I k\u200bhông muốn sống nữa İD").crisis


def test_negation_lowers_to_concern_but_never_silences(engine: Engine) -> None:
    decision = engine.decide("em không muốn chết, chỉ muốn mọi thứ dừng lại")
    assert decision.crisis and decision.level == "concern"
    negated = engine.decide("i don't want to die")
    assert negated.crisis and negated.level == "concern"
    assert engine.decide("tôi muốn chết").level == "urgent"


def test_a_negative_phrase_is_not_negated_by_itself(engine: Engine) -> None:
    assert engine.decide("tôi không muốn sống nữa").level == "urgent"


def test_someone_else_at_risk_gets_the_helper_reply_with_helplines(engine: Engine) -> None:
    response = engine.respond("bạn mình nói muốn tự tử", lang="vi")
    assert response.decision.crisis and response.decision.about_other
    assert response.decision.intent == "help_someone_else"
    text = response.reply.text
    assert "115" in text and "111" in text
    said = {k: v.vi for k, v in engine.content.crisis.replies.items()}
    assert said["other_opening"] in text and said["other_guidance"] in text
    # Spoken to the helper: nothing meant for a person at risk, no sentence twice.
    assert said["keep_talking"] not in text and said["exercise"] not in text
    sentences = [s for s in text.replace("\n", " ").split(". ") if len(s) > 20]
    assert len(sentences) == len(set(sentences))


def test_a_cue_never_spans_punctuation(engine: Engine) -> None:
    # "bạn, mình" is "you, I": not "bạn mình" (my friend).
    decision = engine.decide("chào bạn, mình muốn chết")
    assert decision.crisis and not decision.about_other


def test_a_reply_about_someone_else_asks_once_how_the_helper_is(engine: Engine) -> None:
    reply = engine.respond("bạn mình nói muốn tự tử").reply
    assert reply.follow_up is not None
    assert reply.follow_up.text == engine.content.crisis.replies["helper_question"].vi
    assert [str(b.action) for b in reply.follow_up.buttons] == ["helper:ok", "helper:not_ok"]
    # Not okay: the writer is asked directly about themself.
    not_ok = engine.action(act("helper:not_ok"), "vi")
    assert engine.content.crisis.replies["concern_opening"].vi in not_ok.text


def test_self_in_distress_after_mentioning_someone_is_about_self(engine: Engine) -> None:
    decision = engine.decide("mẹ mắng em suốt, em muốn chết")
    assert decision.crisis and not decision.about_other


def test_crisis_wins_over_every_intent(engine: Engine) -> None:
    decision = engine.decide("cảm ơn bạn, nhưng mình vẫn muốn tự tử")
    assert decision.crisis and decision.intent == "crisis"


def test_crisis_reply_has_every_required_part(engine: Engine) -> None:
    at_2am = datetime(2026, 11, 25, 2, 0, tzinfo=VIETNAM)
    reply = engine.respond("tôi muốn tự tử", now=at_2am).reply
    said = {k: v.vi for k, v in engine.content.crisis.replies.items()}
    for part in ("urgent_opening", "not_emergency", "exercise", "keep_talking"):
        assert said[part] in reply.text, part
    assert "115" in reply.text
    assert reply.text.index("111") < reply.text.index("096 306 1414")  # closed line comes last
    assert reply.follow_up is not None and reply.follow_up.text == said["safe_question"]
    assert [str(b.action) for b in reply.follow_up.buttons] == ["checkin:safe", "checkin:help"]


def test_english_crisis_reply_is_in_english(engine: Engine) -> None:
    reply = engine.respond("i want to end my life").reply
    assert engine.content.crisis.replies["urgent_opening"].en in reply.text


class ExplodingDetector(CrisisDetector):
    def inspect(self, message: Normalised) -> CrisisCheck:
        raise RuntimeError("boom")


def test_an_internal_error_still_gives_the_emergency_numbers(engine: Engine) -> None:
    real = engine.rules
    fields = {f.name: getattr(real, f.name) for f in dataclasses.fields(real) if f.init}
    exploding = ExplodingDetector(**fields)
    broken = Engine(engine.content, exploding)
    response = broken.respond("tôi muốn tự tử")
    assert response.decision.failed
    assert "115" in response.reply.text and "113" in response.reply.text


def test_operator_examples_in_crisis_yaml_all_hold(engine: Engine) -> None:
    from bot.content.validate import _crisis_cases

    assert _crisis_cases(engine) == []


CRISIS_MESSAGES = [json.loads(line) for line in
                   (Path(__file__).parent / "data" / "crisis_messages.jsonl").read_text(
                       encoding="utf-8").splitlines() if line.strip()]


def test_crisis_messages_written_for_the_tests_all_escalate(engine: Engine) -> None:
    """Indirect and padded ways of saying it ("uống hết lọ thuốc", "better off without me",
    "ước gì mình chưa từng được sinh ra"), written for these tests, not taken from the
    evaluation set. Recall comes first: every one must escalate."""
    missed = [c["text"] for c in CRISIS_MESSAGES if c["expect"] == "crisis"
              and not engine.decide(c["text"]).crisis]
    assert missed == []


def test_everyday_messages_written_for_the_tests_never_escalate_by_the_rules(engine: Engine) -> None:
    """Hyperbole padded with the same small words ("nóng quá muốn chết") stays hyperbole. The
    rules must never escalate these; the learned model, which may only ask (concern), raises a
    few of the shortest (measured in docs/evaluation.md), and never above concern."""
    rules_alone = dataclasses.replace(engine, second_opinions=())
    everyday = [c["text"] for c in CRISIS_MESSAGES if c["expect"] is None]
    assert [t for t in everyday if rules_alone.decide(t).crisis] == []
    raised = [engine.decide(t) for t in everyday if engine.decide(t).crisis]
    assert all(d.level == "concern" and d.detector == "model" for d in raised)
    assert len(raised) <= len(everyday) // 10


def test_together_needs_every_group_in_one_clause_and_close(engine: Engine) -> None:
    """`uống + thuốc ngủ | thuốc + chết | tự tử` (self_harm): one phrase of each group, in
    order, in one clause, within TOGETHER_WINDOW words. The rules' mechanism, without the model."""
    rules_alone = dataclasses.replace(engine, second_opinions=())

    def rule(text: str) -> str | None:
        return rules_alone.decide(text).rule

    assert rule("mình định uống thuốc ngủ cho chết") == "self_harm"
    assert rule("chết mất mình quên uống thuốc rồi") is None  # out of order: "oh no, my medicine"
    assert rule("mình uống thuốc rồi. chết thật, quên mang áo") is None  # two clauses
    assert rule("uống thuốc đi rồi mình kể cho nghe chuyện con mèo hàng xóm suýt chết") is None  # far apart
    assert rule("uống thuốc ngủ xong mình ngủ ngon") is None  # a group missing


def test_a_together_hit_is_guarded_negated_and_about_others_like_a_phrase(engine: Engine) -> None:
    decision = engine.decide("mình không muốn ngủ mãi mãi đâu")
    assert decision.crisis and decision.level == "concern"
    other = engine.decide("bạn mình nói nó muốn uống thuốc ngủ để chết")
    assert other.crisis and other.about_other
