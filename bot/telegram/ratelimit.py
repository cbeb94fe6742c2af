"""A per-person limit against floods of messages. Crisis replies never pass through it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
MAX_TRACKED = 50_000  # bounds memory under a flood of distinct senders


@dataclass
class UserLimiter:
    per_minute: int
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _warned: set[str] = field(default_factory=set)

    def allow(self, user_ref: str, now: float) -> bool:
        if len(self._seen) > MAX_TRACKED:
            self._prune(now)
        times = self._seen.setdefault(user_ref, deque())
        while times and now - times[0] > WINDOW_SECONDS:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        self._warned.discard(user_ref)
        return True

    def first_refusal(self, user_ref: str) -> bool:
        """True once per burst, so a person is told to slow down once, not on every message."""
        if user_ref in self._warned:
            return False
        self._warned.add(user_ref)
        return True

    def _prune(self, now: float) -> None:
        stale = [ref for ref, times in self._seen.items() if not times or now - times[-1] > WINDOW_SECONDS]
        for ref in stale:
            del self._seen[ref]
            self._warned.discard(ref)
