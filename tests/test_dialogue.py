"""Conversations in the pure core: typed answers to the bot's questions, the question asked once
more, risk that only shows across messages, "what else?", and the memory that holds it all
for minutes and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.across import AcrossRule, AcrossRules, Cue
from bot.core.actions import Action, Kind
from bot.core.answers import Question
from bot.core.dialogue import Dialogue, Said
from bot.core.engine import Engine
from bot.core.memory import Memory
from bot.core.replies import Reply, ReplyButton

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 21:00 in Vietnam


class Chat:
    """One person's conversation, a few seconds between messages."""

    def __init__(self, engine: Engine, timeout: float = 1800.0) -> None:
        self.engine = engine
        self.dialogue = Dialogue(Memory(timeout))
        self.clock = 0.0

    def says(self, text: str, wait: float = 5.0) -> Said:
        self.clock += wait
        return self.dialogue.message(self.engine, "person", text, None, NOW, self.clock)


def meaning(engine: Engine, text: str) -> str | None:
    return engine.answers.read(engine.content.normalise(text))


@pytest.mark.parametrize(("typed", "expected"), [
    ("có", "yes"), ("ừ", "yes"), ("uh", "yes"), ("ừm", "yes"), ("co chu", "yes"), ("chắc là có", "yes"),
    ("hmm… có lẽ là có ạ", "yes"), ("cũng có nghĩ", "yes"), ("yeah kinda", "yes"), ("sometimes", "yes"),
    ("ừ, dạo này hay nghĩ lắm", "yes"),
    ("không", "no"), ("ko", "no"), ("hông", "no"), ("không đâu bạn", "no"), ("nope", "no"), ("có đâu", "no"),
    ("không biết nữa", "unsure"), ("ko bít", "unsure"), ("idk", "unsure"), ("not sure", "unsure"),
    ("chắc không", "unsure"), ("có lẽ không ạ", "unsure"), ("not really", "unsure"),
    ("hông biết nữa, chắc có", "hedged_yes"), ("idk, maybe", "hedged_yes"),
    ("không biết nữa, không", "unsure"),
    ("mình ổn mà", "fine"), ("an toàn", "fine"), ("i'm safe", "fine"), ("no, just tired", "no"),
    ("không ổn lắm", "help"), ("cứu em", "help"), ("i need help", "help"),
    ("còn cách nào khác không", "more"), ("what else", "more"),
])
def test_typed_answers_are_read_by_what_they_mean(engine: Engine, typed: str, expected: str) -> None:
    assert meaning(engine, typed) == expected


@pytest.mark.parametrize("typed", ["mình cũng không biết phải làm gì với kỳ thi này nữa, mệt quá trời",
                                   "có ai ở đó không", "thi xong rồi", "😔", ""])
def test_a_message_that_is_not_an_answer_means_nothing(engine: Engine, typed: str) -> None:
    assert meaning(engine, typed) is None


def test_the_same_answer_is_a_different_button_for_each_question(engine: Engine) -> None:
    ask = Reply("?", (ReplyButton("Có", Action(Kind.ASK, "yes")),
                      ReplyButton("Không", Action(Kind.ASK, "no:x")),
                      ReplyButton("Không muốn nói", Action(Kind.ASK, "unsaid"))))
    safe = Reply("?", (ReplyButton("An toàn", Action(Kind.CHECK_IN, "safe")),
                       ReplyButton("Cần giúp", Action(Kind.CHECK_IN, "help"))))
    offer = Reply("?", (ReplyButton("Có, lúc 18:00", Action(Kind.REMIND, "1790000000")),
                        ReplyButton("Không cần", Action(Kind.REMIND, "no"))))
    asked, safety, check_in = (Question.of(r, engine.fold_label) for r in (ask, safe, offer))
    assert asked is not None and safety is not None and check_in is not None
    assert asked.action_for("fine", "") == Action(Kind.ASK, "no:x")  # "mình ổn" is no to "suicide?"
    assert safety.action_for("fine", "") == Action(Kind.CHECK_IN, "safe")  # and yes to "safe?"
    assert safety.action_for("unsure", "") == Action(Kind.CHECK_IN, "help")  # unsure of safety: help
    # Unsure, then yes: yes to "suicide?", and help, not safe, to "safe?".
    assert asked.action_for("hedged_yes", "") == Action(Kind.ASK, "yes")
    assert safety.action_for("hedged_yes", "") == Action(Kind.CHECK_IN, "help")
    assert check_in.action_for("yes", "") == Action(Kind.REMIND, "1790000000")
    # A button's label typed out is that button.
    assert asked.action_for(None, engine.fold_label("Không muốn nói")) == Action(Kind.ASK, "unsaid")
    assert Question.of(Reply("no buttons"), engine.fold_label) is None


def test_yes_typed_to_the_direct_question_is_the_yes_button(engine: Engine) -> None:
    chat = Chat(engine)
    asked = chat.says("dạo này mik thấy mik chỉ là gánh nặng cho cả nhà thôi")
    assert asked.level == "concern" and asked.decision.crisis
    yes = chat.says("ừ")
    assert yes.answered == Action(Kind.ASK, "yes") and yes.level == "urgent" and not yes.decision.crisis
    assert yes.reply.text == engine.action(Action(Kind.ASK, "yes"), "vi", NOW).text
    # The urgent reply asks "are you safe?": a message that answers nothing is asked it again,
    # once, at the level it was asked at, with the lines.
    again = chat.says("mấy tuần nay rồi")
    assert again.level == "urgent" and again.answered is None
    assert engine.crisis_replies._said("safe_again", "vi") in again.reply.text
    assert [b.action.arg for b in again.reply.buttons] == ["safe", "help"]
    assert chat.says("hôm nay trời mưa to quá").level is None  # asked once, not every time


def test_no_typed_to_the_direct_question_does_not_escalate(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("em chẳng muốn tỉnh dậy nữa")
    no = chat.says("không, em chỉ mệt thôi")
    assert no.answered is not None and no.answered.parts()[0] == "no" and no.level is None
    assert engine.crisis_replies._said("ask_no", "vi") in no.reply.text


def test_no_typed_to_the_direct_question_outweighs_the_model_on_its_words(engine: Engine) -> None:
    """Folded, "ko dau" is "không đau" (painless) as well as "không đâu" (no): the model alone
    reads it as despair, and a rule across messages would ask again what was just answered."""
    alone = engine.respond("ko dau, mk chi met thoi", None, NOW).decision
    assert alone.crisis and alone.detector == "model"
    chat = Chat(engine)
    chat.says("ko biet song de lam j nua")
    no = chat.says("ko dau, mk chi met thoi")
    assert no.answered is not None and no.answered.parts()[0] == "no"
    assert no.level is None and not no.decision.crisis and no.across is None
    assert engine.crisis_replies._said("ask_no", "vi") in no.reply.text


def test_what_follows_a_typed_no_is_still_read_on_its_own(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("dạo ni tau mệt lắm, thấy mình là gánh nặng cho mạ")
    said = chat.says("thôi, chắc đây là lần cuối tau nhắn cho mi. giữ sức khỏe nghe")
    assert said.answered is None and said.decision.crisis and said.level == "urgent"


def test_yes_typed_with_a_concern_of_its_own_is_the_urgent_reply(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("ko biet song de lam j nua")
    said = chat.says("có, mình thấy mình là gánh nặng cho cả nhà")
    assert said.decision.crisis and said.level == "urgent" and said.decision.level == "urgent"


def test_an_answer_that_carries_its_own_signal_is_read_by_the_crisis_check_first(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("em chẳng muốn tỉnh dậy nữa")
    said = chat.says("có, tối nay em sẽ uống hết lọ thuốc ngủ")
    assert said.decision.crisis and said.level == "urgent" and said.answered is None


def test_the_direct_question_left_unanswered_is_asked_once_more(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("i feel like a burden to everyone")
    again = chat.says("anyway i can't sleep at all these days")
    assert again.level == "concern" and not again.decision.crisis
    assert again.reply.text.startswith(engine.replies.intent(engine.content.intent("coping_sleep"), "en",  # type: ignore[arg-type]
                                                             NOW).text)
    assert engine.crisis_replies._said("ask_again", "en") in again.reply.text
    assert [b.action.kind for b in again.reply.buttons] == [Kind.ASK] * 3
    assert chat.says("yes").level == "urgent"  # the question asked again is answered as the first


def test_signals_too_weak_alone_add_up_across_messages(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("dao nay mk met lam").level is None
    burden = chat.says("cam giac ai cung se on hon neu ko co mk")
    assert burden.level == "concern"
    farewell = chat.says("cam on da nghe mk noi nha, tam biet")
    assert farewell.decision.crisis and farewell.level == "urgent" and farewell.across is not None
    assert farewell.decision.rule == farewell.across.id
    assert farewell.reply.text.startswith(engine.crisis_replies._said("across_opening", "vi"))


@pytest.mark.parametrize("messages", [
    # a means kept, then "did it": an act told in pieces
    ("i kept the pills from my surgery, been saving them up", "ok i did it. feeling kind of floaty now"),
    # a fire lit, then drowsiness and a goodbye
    ("than trong thùng đỏ rồi", "buồn ngủ quá, chào"),
])
def test_an_act_told_across_messages_reaches_emergency(engine: Engine, messages: tuple[str, ...]) -> None:
    chat = Chat(engine)
    for text in messages[:-1]:
        chat.says(text)
    last = chat.says(messages[-1])
    assert last.level == "emergency" and last.across is not None, last.across


def test_a_pet_left_in_care_after_thanks_is_a_farewell(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("cảm ơn m đã làm bạn vs t 5 năm nay nha").level is None
    care = chat.says("sau này nhớ chăm con mèo giùm t")
    assert care.level == "urgent" and care.across is not None and care.across.id == "thanks_then_care"


def test_a_cut_in_the_kitchen_and_a_past_told_stay_ordinary(engine: Engine) -> None:
    for messages in (("cắt hành mà đứt tay rồi", "máu chảy quá trời, dính hết thớt",
                      "dán băng cá nhân rồi, ổn rồi"),
                     ("hồi năm 2019 mình từng uống thuốc, được chở đi cấp cứu",
                      "giờ ổn rồi, có việc làm đàng hoàng")):
        chat = Chat(engine)
        assert [chat.says(text).level for text in messages] == [None] * len(messages), messages


def test_a_hedged_no_to_the_direct_question_keeps_the_concern_and_the_lines(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("i feel like a burden to everyone").level == "concern"
    hedged = chat.says("not really")
    assert hedged.answered == Action(Kind.ASK, "unsaid") and hedged.level == "concern"


def test_a_hedge_then_a_yes_to_the_direct_question_is_a_yes(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("dạo này tui thấy sống cũng chẳng để làm gì").level == "concern"
    hedged = chat.says("hông biết nữa, chắc có")
    assert hedged.answered == Action(Kind.ASK, "yes") and hedged.level == "urgent"


def test_a_goodbye_after_a_plan_is_asked_about_every_time(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("mình đã mua đủ thuốc rồi, tối nay sẽ uống hết").level == "urgent"
    unanswered = chat.says("mệt quá")
    assert unanswered.level == "urgent"  # the question "are you safe?" asked once more
    for goodbye in ("cảm ơn nhé", "thôi bye"):
        said = chat.says(goodbye)
        assert said.level == "urgent" and not said.decision.crisis, goodbye
        assert said.across is not None and said.across.id == "goodbye_after_grave"
        assert engine.crisis_replies._said("safe_again", "vi") in said.reply.text
        assert any(b.action.kind is Kind.CHECK_IN for b in said.reply.buttons)


def test_a_goodbye_alone_or_after_an_exam_stays_ordinary(engine: Engine) -> None:
    chat = Chat(engine)
    for text in ("mai thi giải tích mà mik chưa học chữ nào 💀", "chắc chết quá bot ơi",
                 "thôi cày xuyên đêm, thi xong rủ tụi bạn đi ăn lẩu", "bye nha"):
        assert chat.says(text).level is None, text


def test_words_a_context_explained_leave_no_cues(engine: Engine) -> None:
    chat = Chat(engine)
    for text in ("em đang làm bài thuyết trình về phòng chống tự tử ở học sinh",
                 "có số liệu về người mua thuốc ngủ để tự tử không ạ", "cảm ơn bot nhé, tạm biệt"):
        assert not chat.says(text).decision.crisis, text


def test_a_context_over_a_message_no_rule_fired_on_leaves_no_cues(engine: Engine) -> None:
    # Rat poison bought for the rats, then a question about placing it: no means, no method.
    chat = Chat(engine)
    chat.says("nhà tui chuột nhiều quá trời")
    first = chat.says("má kêu đi mua bả chuột mà sợ con mèo ăn nhầm")
    assert first.decision.check is not None and not first.decision.check.hits
    assert "farming" in first.decision.check.contexts
    assert chat.says("có cách nào đặt nó mà mèo hổng đụng tới hông").level is None
    # The same question after rat poison with no context is read across messages.
    risky = Chat(engine)
    risky.says("mình mới mua gói bả chuột về để trong phòng")
    assert risky.says("có cách nào uống nó mà không đau không").level is not None


def test_more_after_a_topic_gives_its_further_tips(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.says("mình mất ngủ mấy hôm nay").decision.intent == "coping_sleep"
    more = chat.says("còn cách nào khác không")
    sleep = engine.content.intent("coping_sleep")
    assert sleep is not None and sleep.more is not None and more.reply.text == sleep.more("vi")


def test_memory_ends_with_the_timeout(engine: Engine) -> None:
    chat = Chat(engine, timeout=60.0)
    chat.says("em chẳng muốn tỉnh dậy nữa")
    assert chat.says("ừ", wait=61.0).answered is None  # the question is forgotten with the rest


def test_memory_is_bounded_and_holds_no_text() -> None:
    memory = Memory(timeout=60.0, max_people=2, max_messages=3)
    for person, at in (("a", 1.0), ("b", 2.0), ("c", 3.0)):
        memory.note(memory.recall(person, at), frozenset({"despair"}))
    assert len(memory) == 2 and memory.recall("a", 4.0).cues == ()  # the oldest went first
    recent = memory.recall("c", 5.0)
    for n in range(5):
        memory.note(recent, frozenset({f"cue{n}"}))
    assert [set(c) for c in recent.cues] == [{"cue2"}, {"cue3"}, {"cue4"}]
    assert all(not isinstance(v, str) or v in ("despair",) for v in vars_of(recent))
    memory.forget("c")
    assert memory.recall("c", 6.0).cues == ()


def vars_of(recent: object) -> list[object]:
    return [getattr(recent, name) for name in recent.__slots__]  # type: ignore[attr-defined]


def test_a_rule_needs_distinct_messages_and_the_last_among_them() -> None:
    rules = AcrossRules((Cue("despair", frozenset({"burden"})), Cue("farewell", frozenset({"goodbye"}))),
                        (AcrossRule("r", "urgent", (frozenset({"despair"}), frozenset({"farewell"}))),))
    both = frozenset({"despair", "farewell"})
    assert rules.judge([], both) is None  # one message alone is the crisis rules' to decide
    assert rules.judge([frozenset({"despair"})], frozenset({"farewell"})) is not None
    assert rules.judge([frozenset({"despair"}), frozenset({"farewell"})], frozenset()) is None
    assert rules.cues_of(["burden"], None) == frozenset({"despair"})


def test_across_rules_only_raise(engine: Engine) -> None:
    chat = Chat(engine)
    chat.says("mình thấy mình là gánh nặng")
    said = chat.says("mình vừa uống hết lọ thuốc ngủ rồi, tạm biệt")
    assert said.level == "emergency" and said.across is None  # not lowered to the rule's urgent


def test_a_fallback_after_a_heavy_message_acknowledges_the_feeling_first(engine: Engine) -> None:
    said = Chat(engine).says("bế tắc thật sự")
    assert said.decision.intent is None and said.level is None
    assert said.reply.text.startswith(engine.replies.say("fallback_feeling", "vi"))
    plain = Chat(engine).says("qwerty asdf zxcv")
    assert plain.reply.text == engine.replies.fallback(plain.decision.lang).text
