"""Keeping the loaded content out of the garbage collector's way.

Content is tens of thousands of long-lived objects (a hundred times more at x100 content).
Python's cyclic collector walks every one of them on each full collection: 6-11 ms for the
shipped content, a pause in which no message is answered, and one that grows with the
content. Content holds no reference cycles (a test checks it), so nothing in it ever needs
the collector: once loaded, everything alive is frozen out of its sight (`gc.freeze`). An
engine replaced by a reload is still freed, by reference counting, once nothing uses it.

Loading also leaves the C heap holding what training the model used and freed (hundreds of
thousands of feature strings): glibc keeps it for reuse, about 10 MB resident that the bot
never needs again. `malloc_trim` hands it back; elsewhere (no glibc) nothing is done.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable


def settle() -> None:
    """Call once content is loaded and in use: collect what loading left behind (so no garbage
    is frozen with it), freeze everything alive, and return the freed heap to the system."""
    gc.collect()
    gc.freeze()
    _trim()


def _trim() -> None:
    trim = malloc_trim()
    if trim is not None:
        trim(0)


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim from the process's own symbols, or None where there is none (macOS,
    musl, Windows). Looking the library up by name (ctypes.util.find_library) would run
    ldconfig on every reload."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # Windows has no "the process itself" to load
        return None
