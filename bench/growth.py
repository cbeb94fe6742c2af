"""Content grown synthetically, to see how cost scales with the size of the intent set.

Each grown copy of an intent gets a new id and examples in which about half the words are
replaced by invented syllables, the same invented syllable for the same word within a copy.
So the vocabulary, the number of intents and the number of examples all grow with the
factor, while sentence lengths and the share of everyday words stay those of real content.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import yaml

from bench.messages import ROOT
from bot.core.models import Content, Example, Intent

ONSETS = ("b", "c", "d", "g", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "r", "s",
          "t", "th", "tr", "v", "x")
VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "ia", "ua", "ươ", "oa", "uy")
CODAS = ("c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "o", "u")


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def invented(word: str, copy: int) -> str:
    h = _hash(word, copy)
    return ONSETS[h % len(ONSETS)] + VOWELS[h // 31 % len(VOWELS)] + CODAS[h // 997 % len(CODAS)]


def _rewrite(text: str, copy: int) -> str:
    return " ".join(invented(w, copy) if _hash(w, copy, "swap") % 2 else w for w in text.split())


def grown_intents(intents: tuple[Intent, ...], factor: int) -> tuple[Intent, ...]:
    grown = list(intents)
    for copy in range(1, factor):
        for intent in intents:
            examples = tuple(Example(_rewrite(e.text, copy), e.lang, e.line) for e in intent.examples)
            grown.append(replace(intent, id=f"{intent.id}_g{copy}", examples=examples, buttons=(),
                                 menu=None))
    return tuple(grown)


def grown_content(content: Content, factor: int) -> Content:
    return replace(content, intents=grown_intents(content.intents, factor))


def write_grown_folder(target: Path, factor: int, content: Content) -> Path:
    """A copy of intents/ with the grown intents added as YAML files, for timing `load_engine`."""
    folder = target / f"intents_x{factor}"
    shutil.copytree(ROOT / "intents", folder)
    for intent in grown_intents(content.intents, factor)[len(content.intents):]:
        examples = {lang: [e.text for e in intent.examples if e.lang == lang] for lang in ("vi", "en")}
        document = {"version": 1, "intent": {
            "id": intent.id, "title": {"vi": intent.title.vi, "en": intent.title.en},
            "examples": examples, "reply": {"vi": intent.reply.vi, "en": intent.reply.en}}}
        (folder / f"{intent.id}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                                  encoding="utf-8")
    return folder
