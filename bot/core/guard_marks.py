"""When a guard stands in a message typed with diacritics.

Folded, many everyday words are crisis words ("tu van": tư vấn, counselling, or tự vẫn), so a
guard is found on the folded words. In a message typed with marks, the marks say which word was
meant; a guard only silences, so where they leave it unsure it does not stand.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.normalise import Token
from bot.core.phrases import Hit


def marked_beside(guard: Hit, hit: Hit, tokens: Sequence[Token]) -> bool:
    """A guard over a crisis phrase typed bare stands if a word of its own beside the phrase was
    typed with its marks: "tu van tam lý" is counselling, as "tư vấn tâm lý" is, though "tu van"
    alone is also "tự vẫn". The crisis phrase matched bare, so its bare words prove nothing."""
    return any(t.strict for t in (*tokens[guard.start:hit.start], *tokens[hit.end:guard.end]))


def typed_with_its_marks(guard: Hit, tokens: Sequence[Token]) -> bool:
    """In a message typed with diacritics, a word typed bare is what it looks like: "o" is not
    "ở", so "không muốn sống nữa o" holds no "không muốn sống ở" (living somewhere). A guard
    only silences, so where it is unsure it does not stand. Fillers between its words are
    skipped as the guard skipped them."""
    words = [w for w in guard.phrase.words if not w.wild]
    at = 0
    for token in tokens[guard.start:guard.end]:
        if at < len(words) and words[at].folded == token.folded:
            if not token.strict and words[at].text != words[at].folded:
                return False
            at += 1
    return True
