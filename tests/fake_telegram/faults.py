"""Faults the fake server injects on demand: HTTP errors, timeouts, dropped connections."""

from __future__ import annotations

from dataclasses import dataclass

FAULT_KINDS = frozenset({"500", "502", "429", "409", "403", "400", "timeout", "drop"})
_DEFAULT_TIMEOUT_DELAY = 3.0

FAULT_ERRORS: dict[str, tuple[int, str]] = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "409": (
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    ),
    "403": (403, "Forbidden: bot was blocked by the user"),
    "400": (
        400,
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0",
    ),
}



@dataclass
class Fault:
    kind: str
    remaining: int
    retry_after: int
    delay: float


class FaultPlan:
    """The faults queued for each method, used up in order."""

    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, delay: float = 0.0) -> None:
        """Make the next ``times`` calls to ``method`` fail in the way ``kind`` says.

        Kinds: "500", "502", "429" (with ``retry_after``), "409", "403", "400", "timeout"
        (served normally after ``delay`` seconds, 3 by default: set the bot's read timeout below
        that) and "drop" (connection closed without an answer). For the other kinds ``delay``
        is waited before failing. Faults queued for one method are used up in order.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if kind == "timeout" and delay <= 0:
            delay = _DEFAULT_TIMEOUT_DELAY
        self._faults.setdefault(method.lower(), []).append(Fault(kind, times, retry_after, delay))

    def take(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault
