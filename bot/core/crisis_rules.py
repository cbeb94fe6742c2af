"""Crisis rules as content holds them, and their compiling into the rules detector.

`bot.content` reads `intents/crisis.yaml` and the guards into `CrisisRules`: plain text with
the file and line each piece came from. `compile_rules` turns them into a `CrisisDetector`
with the normaliser built from the same content, and reports what it cannot compile (a
phrase with no words, a filler of two words, a guard's `*` at its end) as `Flaw`s, which the
content layer shows as `file:line` problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.concepts import MANY, WILD, Combination, ConceptIndex, Scope
from bot.core.crisis import Context, CrisisDetector, CrisisRule, Together
from bot.core.detectors import Level
from bot.core.normalise import Normalised
from bot.core.phrase_set import PhraseSet
from bot.core.phrases import Phrase, PhraseWord, WordSet, compile_phrase

Normalise = Callable[[str], Normalised]


@dataclass(frozen=True, slots=True)
class Written:
    """Text as an operator wrote it, and where."""

    text: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class TogetherEntry:
    """`thuốc ngủ | thuốc + chết`: groups joined by `+`, each a choice of phrases."""

    written: Written
    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class CombinationSpec:
    """`intend | prepare + ingest + poison` as written, and its slots of concept ids."""

    written: Written
    slots: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ConceptSpec:
    id: str
    phrases: tuple[Written, ...]  # Vietnamese
    path: str
    line: int
    english: tuple[Written, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    level: Level
    about_other: bool
    phrases: tuple[Written, ...]
    together: tuple[TogetherEntry, ...]
    combinations: tuple[CombinationSpec, ...] = ()
    scope: Scope = "sentence"


@dataclass(frozen=True, slots=True)
class ContextSpec:
    id: str
    combinations: tuple[CombinationSpec, ...]
    scope: Scope
    unless: tuple[CombinationSpec, ...]
    silences: tuple[str, ...]
    intent: str | None
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class GuardSpec:
    id: str
    phrases: tuple[Written, ...]


@dataclass(frozen=True)
class CrisisRules:
    rules: tuple[RuleSpec, ...]
    guards: tuple[GuardSpec, ...]
    lookalikes: tuple[str, ...]
    fillers: tuple[Written, ...]
    negations: tuple[str, ...]
    others: tuple[str, ...]
    first_person: tuple[str, ...]
    concepts: tuple[ConceptSpec, ...] = ()
    contexts: tuple[ContextSpec, ...] = ()

    def phrase_texts(self) -> tuple[str, ...]:
        return tuple(p.text for rule in self.rules for p in rule.phrases)

    def unused_concepts(self) -> list[ConceptSpec]:
        """Concepts no rule or context names: written, but never read."""
        combinations = [c for r in self.rules for c in r.combinations]
        combinations += [c for x in self.contexts for c in (*x.combinations, *x.unless)]
        used = {concept for c in combinations for slot in c.slots for concept in slot}
        return [c for c in self.concepts if c.id not in used]


@dataclass(frozen=True, slots=True)
class Flaw:
    path: str
    line: int
    message: str


def compile_rules(spec: CrisisRules, normalise: Normalise, vietnamese: frozenset[str] = frozenset(),
                  english: frozenset[str] = frozenset()) -> tuple[CrisisDetector, list[Flaw]]:
    """`vietnamese`: the folded forms of the words Vietnamese content writes with diacritics; an
    English concept word made only of them ("song": "sống") is looked for in English messages
    alone. `english`: the words English content uses often; a one-word Vietnamese concept word
    that is one of them folded ("thèm": "them") counts in an English message only where typed
    with diacritics."""
    flaws: list[Flaw] = []
    phrases: list[Phrase] = []
    together: list[Together] = []
    for rule in spec.rules:
        for written in rule.phrases:
            phrase = compile_phrase(written.text, rule.id, normalise, written.line)
            if phrase.words:
                phrases.append(phrase)
            else:
                flaws.append(Flaw(written.path, written.line,
                                  f"phrase '{written.text}' has no words to match"))
        for entry in rule.together:
            compiled = _together(entry, rule.id, len(together), normalise, flaws)
            if compiled is not None:
                together.append(compiled)
    guards = [found for guard in spec.guards for written in guard.phrases
              if (found := _guard(written, guard.id, normalise, flaws)) is not None]
    negations = [compile_phrase(text, "negations", normalise) for text in spec.negations]
    first_person = [compile_phrase(text, "first_person", normalise) for text in spec.first_person]
    negation_words = {p.words[0].folded for p in negations if len(p.words) == 1}
    fillers = _fillers(spec.fillers, normalise, negation_words, flaws)
    lookalikes = frozenset(normalise(t).accented for t in spec.lookalikes)
    known = {c.id for c in spec.concepts}
    detector = CrisisDetector(
        rules={r.id: CrisisRule(r.id, r.level, r.about_other) for r in spec.rules},
        phrases=PhraseSet(tuple(phrases), lookalikes, fillers),
        guards=PhraseSet(tuple(guards), fillers=fillers,
                         personal=WordSet.of(w for p in first_person for w in p.words)),
        negations=PhraseSet(tuple(negations)),
        others=PhraseSet(tuple(compile_phrase(text, "others", normalise) for text in spec.others)),
        first_person=PhraseSet(tuple(first_person)),
        together=tuple(together),
        parts=PhraseSet(tuple(part for t in together for group in t.groups for part in group),
                        fillers=fillers),
        concepts=_concept_index(spec.concepts, normalise, vietnamese, english, lookalikes, fillers, flaws),
        combinations=tuple((combination, rule.scope) for rule in spec.rules
                           for combination in _combinations(rule.combinations, rule.id, rule.scope, known,
                                                            flaws)),
        contexts=tuple(Context(c.id, _combinations(c.combinations, c.id, c.scope, known, flaws), c.scope,
                               _combinations(c.unless, c.id, "next", known, flaws), frozenset(c.silences),
                               c.intent)
                       for c in spec.contexts),
    )
    return detector, flaws


def _concept_index(concepts: tuple[ConceptSpec, ...], normalise: Normalise, vietnamese: frozenset[str],
                   english_words: frozenset[str], lookalikes: frozenset[str], fillers: WordSet,
                   flaws: list[Flaw]) -> ConceptIndex:
    anywhere: list[Phrase] = []
    english: list[Phrase] = []
    vietnamese_only: list[Phrase] = []
    many: list[Phrase] = []
    for concept in concepts:
        written_in = [(w, False) for w in concept.phrases] + [(w, True) for w in concept.english]
        for written, in_english in written_in:
            if written.text.strip() == MANY:
                many.append(Phrase(MANY, concept.id, (), written.line))
                continue
            phrase = compile_phrase(written.text, concept.id, normalise, written.line)
            if not phrase.words:
                flaws.append(Flaw(written.path, written.line,
                                  f"concept word '{written.text}' has no words to match"))
            elif in_english and all(w.folded in vietnamese for w in phrase.words):
                english.append(phrase)
            else:
                anywhere.append(phrase)
                if not in_english and _folds_to_english(phrase, english_words):
                    vietnamese_only.append(phrase)
    return ConceptIndex(PhraseSet(tuple(anywhere), lookalikes, fillers),
                        PhraseSet(tuple(english), lookalikes, fillers),
                        frozenset(vietnamese_only), tuple(many))


def _folds_to_english(phrase: Phrase, english_words: frozenset[str]) -> bool:
    """A one-word Vietnamese concept word written with diacritics that folds to an English word
    ("dây" rope: "day"); "die" or "bye" in a `vi:` list are written as English types them."""
    if len(phrase.words) != 1:
        return False
    word = phrase.words[0]
    return word.text != word.folded and word.folded in english_words


def _combinations(specs: tuple[CombinationSpec, ...], owner: str, scope: Scope, known: set[str],
                  flaws: list[Flaw]) -> tuple[Combination, ...]:
    compiled = []
    for spec in specs:
        unknown = [c for slot in spec.slots for c in slot if c not in known and c != WILD]
        misplaced = any(WILD in slot for slot in spec.slots[1:]) or (
            WILD in spec.slots[0] and (len(spec.slots[0]) > 1 or len(spec.slots) < 2 or scope != "next"))
        if misplaced:
            flaws.append(Flaw(spec.written.path, spec.written.line,
                              f"'{spec.written.text}' has a `*` where it cannot stand; `*` is a slot of "
                              "its own, first, before a concept, in scope `next` (`* + want_die`)"))
            continue
        if unknown:
            flaws.append(Flaw(spec.written.path, spec.written.line,
                              f"'{spec.written.text}' names the concept '{unknown[0]}', which `concepts` "
                              "does not define; define it or correct the name"))
            continue
        compiled.append(Combination(spec.written.text, tuple(frozenset(s) for s in spec.slots), owner,
                                    spec.written.line))
    return tuple(compiled)


def _together(entry: TogetherEntry, rule_id: str, number: int, normalise: Normalise,
              flaws: list[Flaw]) -> Together | None:
    written = entry.written
    groups = tuple(tuple(compile_phrase(choice, f"{number}:{g}", normalise, written.line) for choice in group)
                   for g, group in enumerate(entry.groups))
    if any(not p.words for group in groups for p in group):
        flaws.append(Flaw(written.path, written.line,
                          f"together '{written.text}' has a phrase with no words to match"))
        return None
    return Together(Phrase(written.text, rule_id, (), written.line), groups)


def _guard(written: Written, guard_id: str, normalise: Normalise, flaws: list[Flaw]) -> Phrase | None:
    phrase = compile_phrase(written.text, guard_id, normalise, written.line)
    words = phrase.words
    if words and (words[0].wild or words[-1].wild):
        flaws.append(Flaw(written.path, written.line, f"guard '{written.text}' starts or ends with `*`; "
                          "a `*` stands between two words (`thèm * muốn chết`)"))
        return None
    if any(a.wild and b.wild and c.wild for a, b, c in zip(words, words[1:], words[2:], strict=False)):
        flaws.append(Flaw(written.path, written.line, f"guard '{written.text}' has three `*` in a row; "
                          "a `*` is one word, and a guard that skips more than two would silence real "
                          "crises"))
        return None
    return phrase


def _fillers(fillers: tuple[Written, ...], normalise: Normalise, negations: set[str],
             flaws: list[Flaw]) -> WordSet:
    """The small words that may stand inside crisis phrases and guards, one word each; never a
    negation, which turns "muốn chết" into "muốn không chết"."""
    words: list[PhraseWord] = []
    for written in fillers:
        phrase = compile_phrase(written.text, "fillers", normalise, written.line)
        if len(phrase.words) != 1:
            flaws.append(Flaw(written.path, written.line, f"filler '{written.text}' is {len(phrase.words)} "
                              "words; write one word per item (`thật sự` is two fillers: `thật` and `sự`)"))
        elif phrase.words[0].folded in negations:
            flaws.append(Flaw(written.path, written.line, f"filler '{written.text}' is a negation; a "
                              "filler must not change what a phrase means: remove it from `fillers`"))
        else:
            words.extend(phrase.words)
    return WordSet.of(words)
