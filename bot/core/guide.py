"""Guided exercises and the safety plan as a pure state machine: no Telegram, no clock.

A `Session` is where one person is in one activity; every move returns a `Turn`: the reply
to send, the session from now on (None once it has ended) and, for a timed step, how many
seconds to wait before calling `tick`. Buttons carry the session's `serial`, which changes
with every move, so a button left over from an earlier step or session does nothing.
Whoever runs the sessions (the Telegram layer, the terminal chat) keeps them and the timers;
crisis detection always runs before a message reaches `answer`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.actions import PLAN_AGAIN, PLAN_START, Action, Kind
from bot.core.language import LANGUAGES, Language
from bot.core.models import Content, ExerciseStep, SafetyPlan
from bot.core.replies import Reply, ReplyBuilder, ReplyButton

PLAN = "plan"
MAX_ANSWER_CHARS = 1000
KEEP_MINUTES = 30


@dataclass(frozen=True, slots=True)
class Session:
    """`position` -1 is the introduction; for the plan, the finished plan has
    `finished` set and is kept only so it can be sent again."""

    activity: str  # an exercise id, or PLAN
    lang: Language
    serial: int
    position: int = -1
    answers: tuple[tuple[str, str], ...] = ()
    paused: bool = False
    finished: bool = False
    told_busy: bool = False  # the "I'm pacing a step" note was given for the current step
    keep_minutes: int = KEEP_MINUTES  # how long the finished plan is kept to be sent again

    @property
    def is_plan(self) -> bool:
        return self.activity == PLAN


@dataclass(frozen=True, slots=True)
class Turn:
    reply: Reply | None
    session: Session | None
    wait: float | None = None


class Guide:
    def __init__(self, content: Content, replies: ReplyBuilder) -> None:
        self.content = content
        self.replies = replies
        stop_words = content.messages["activity_stop_words"]
        self._stop_words = frozenset(content.normalise(word).folded for lang in LANGUAGES
                                     for word in stop_words(lang).split(",") if word.strip())
        # A typed answer picks a choice when it is the choice's label, however it is typed.
        self._choice_by_label: dict[tuple[str, int, Language], dict[str, int]] = {
            (exercise.id, s, lang): {content.normalise(c.label(lang)).folded: n
                                     for n, c in reversed(list(enumerate(step.choices)))}
            for exercise in content.exercises.values() for s, step in enumerate(exercise.steps)
            for lang in LANGUAGES}

    def _button(self, session: Session, key: str, move: str) -> ReplyButton:
        return ReplyButton(self.replies.say(key, session.lang), Action.step(session.serial, move))

    def is_stop(self, text: str) -> bool:
        return self.content.normalise(text).folded in self._stop_words

    # Starting

    def start(self, action: Action, lang: Language, serial: int,
              keep_minutes: int = KEEP_MINUTES) -> Turn | None:
        """An exercise or the safety plan; None when the action names nothing known."""
        if action.kind is Kind.EXERCISE and action.arg in self.content.exercises:
            exercise = self.content.exercises[action.arg]
            session = Session(action.arg, lang, serial)
            start_label = (exercise.start_button(lang) if exercise.start_button
                           else self.replies.say("button_start", lang))
            buttons = (ReplyButton(start_label, Action.step(serial, "next")),
                       self._button(session, "button_stop", "stop"))
            return Turn(Reply(exercise.intro(lang), buttons), session)
        if action == PLAN_START:
            session = Session(PLAN, lang, serial, position=0, keep_minutes=keep_minutes)
            plan = self.content.safety_plan
            return Turn(Reply(plan.intro(lang), follow_up=self._question(session)), session)
        return None

    # Moves

    def press(self, session: Session, serial: int, move: str) -> Turn:
        """A tap on one of the session's buttons. A stale button (a double tap, an earlier
        step) changes nothing."""
        if serial != session.serial:
            return Turn(None, session)
        if move == "stop":
            return self.stop(session)
        if session.is_plan:
            if move == "skip" and not session.finished:
                return self._plan_next(session, None)
            if move == "continue" and session.paused:
                moved = replace(session, paused=False, serial=session.serial + 1)
                return Turn(self._question(moved), moved)
            return Turn(None, session)
        if move == "next":
            return self._exercise_next(session)
        if move.startswith("c") and move[1:].isdigit():
            return self._choose(session, int(move[1:]))
        return Turn(None, session)

    def tick(self, session: Session, serial: int) -> Turn:
        """The wait of a timed step is over."""
        if serial != session.serial or session.is_plan:
            return Turn(None, session)
        return self._exercise_next(session)

    def answer(self, session: Session, text: str) -> Turn:
        """A typed message that is not a crisis: an answer, "stop", or talk during a timed step."""
        if self.is_stop(text):
            return self.stop(session)
        if session.is_plan:
            if session.paused or session.finished:
                return Turn(None, session)
            return self._plan_next(session, text.strip()[:MAX_ANSWER_CHARS])
        exercise = self.content.exercises[session.activity]
        if session.position < 0:
            return self._exercise_next(session)
        step, _ = exercise.step(session.position)
        if step.seconds is not None:
            if session.told_busy:
                return Turn(None, session)
            busy = Reply(self.replies.say("exercise_busy", session.lang))
            return Turn(busy, replace(session, told_busy=True))
        labels = self._choice_by_label[(exercise.id, session.position % len(exercise.steps), session.lang)]
        chosen = labels.get(self.content.normalise(text).folded)
        if chosen is not None:
            return self._choose(session, chosen)
        ack = step.ack(session.lang) if step.ack else None
        return self._exercise_next(session, ack)

    def stop(self, session: Session) -> Turn:
        if session.is_plan:
            return Turn(Reply(self.content.safety_plan.stopped(session.lang)), None)
        return Turn(Reply(self.replies.say("exercise_stopped", session.lang),
                          self.replies.menu(session.lang, "exercises").buttons), None)

    def interrupt(self, session: Session) -> Turn:
        """A crisis message arrived (its reply is sent by the caller, first). An exercise ends;
        the plan pauses, keeping its answers, so the person can come back to it; a finished
        plan is kept, since that is when it may be needed again."""
        if session.finished:
            return Turn(None, session)  # a finished plan stays, so it can still be sent again
        if not session.is_plan:
            return Turn(None, None)
        paused = replace(session, paused=True, serial=session.serial + 1)
        buttons = (self._button(paused, "button_continue", "continue"),
                   self._button(paused, "button_stop", "stop"))
        return Turn(Reply(self.content.safety_plan.paused(session.lang), buttons), paused)

    def resend(self, session: Session | None, lang: Language, keep_minutes: int) -> Reply:
        if session is None or not session.is_plan or not session.finished:
            return Reply(self.content.safety_plan.gone(lang).format(minutes=keep_minutes))
        return Reply(self.plan_text(session))

    # Exercises

    def _exercise_next(self, session: Session, before: str | None = None) -> Turn:
        exercise = self.content.exercises[session.activity]
        position = session.position + 1
        moved = replace(session, position=position, serial=session.serial + 1, told_busy=False)
        if position >= exercise.length:
            outro = exercise.outro(session.lang)
            text = f"{before}\n\n{outro}" if before else outro
            return Turn(Reply(text, self.replies.buttons(exercise.offers, session.lang)), None)
        step, round_no = exercise.step(position)
        text = step.say(session.lang).format(round=round_no, rounds=exercise.rounds)
        if before:
            text = f"{before}\n\n{text}"
        return Turn(Reply(text, self._step_buttons(moved, step)), moved, step.seconds)

    def _step_buttons(self, session: Session, step: ExerciseStep) -> tuple[ReplyButton, ...]:
        stop = self._button(session, "button_stop", "stop")
        if step.seconds is not None:
            return (stop,)
        choices = tuple(ReplyButton(c.label(session.lang), Action.step(session.serial, f"c{n}"))
                        for n, c in enumerate(step.choices))
        if step.button:
            onward = ReplyButton(step.button(session.lang), Action.step(session.serial, "next"))
        else:
            onward = self._button(session, "button_skip" if choices else "button_next", "next")
        return (*choices, onward, stop)

    def _choose(self, session: Session, n: int) -> Turn:
        exercise = self.content.exercises[session.activity]
        step, _ = exercise.step(session.position)
        if session.position < 0 or not 0 <= n < len(step.choices):
            return Turn(None, session)
        choice = step.choices[n]
        said = Reply(choice.reply(session.lang), self.replies.buttons(choice.offers, session.lang))
        turn = self._exercise_next(session)
        if turn.reply is None:
            return Turn(said, turn.session, turn.wait)
        return Turn(_chain(said, turn.reply), turn.session, turn.wait)

    # The safety plan

    def _question(self, session: Session) -> Reply:
        plan = self.content.safety_plan
        step = plan.steps[session.position]
        lines = [f"{session.position + 1}/{len(plan.steps)} · {step.heading(session.lang)}",
                 step.ask(session.lang)]
        if step.prefill_hotlines:
            lines.append(self._plan_hotlines(session.lang))
        buttons = (self._button(session, "button_skip", "skip"), self._button(session, "button_stop", "stop"))
        return Reply("\n\n".join(lines), buttons)

    def _plan_hotlines(self, lang: Language) -> str:
        # The plan is read later, at any hour: list every line with its hours, not "open now".
        lines = (self.content.hotlines[i] for i in self.replies.support_lines())
        return "\n".join(self.replies.hotline(line, lang, None) for line in lines)

    def _plan_next(self, session: Session, answer: str | None) -> Turn:
        plan = self.content.safety_plan
        answers = session.answers
        if answer:
            answers = (*answers, (plan.steps[session.position].id, answer))
        moved = replace(session, position=session.position + 1, answers=answers, serial=session.serial + 1)
        if moved.position < len(plan.steps):
            return Turn(self._question(moved), moved)
        finished = replace(moved, finished=True)
        closing = Reply(plan.closing(session.lang).format(minutes=session.keep_minutes),
                        (ReplyButton(self.replies.say("button_resend", session.lang), PLAN_AGAIN),))
        return Turn(Reply(self.plan_text(finished), follow_up=closing), finished)

    def plan_text(self, session: Session) -> str:
        plan: SafetyPlan = self.content.safety_plan
        lang = session.lang
        answers: dict[str, list[str]] = {}
        for step_id, text in session.answers:
            answers.setdefault(step_id, []).append(text)
        sections = [plan.heading(lang)]
        for n, step in enumerate(plan.steps, 1):
            body = list(answers.get(step.id, []))
            if step.prefill_hotlines:
                body.append(self._plan_hotlines(lang))
            if body:
                sections.append(f"{n}. {step.heading(lang)}\n" + "\n".join(body))
        sections.append(plan.emergency(lang).format(number=self.replies.emergency_number()))
        return "\n\n".join(sections)


def _chain(first: Reply, then: Reply) -> Reply:
    rest = then if first.follow_up is None else _chain(first.follow_up, then)
    return Reply(first.text, first.buttons, rest)
