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
import ctypes.util
import gc


def settle() -> None:
    """Call once content is loaded and in use: collect what loading left behind (so no garbage
    is frozen with it), freeze everything alive, and return the freed heap to the system."""
    gc.collect()
    gc.freeze()
    _trim()


def _trim() -> None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
        if trim is not None:
            trim(0)
    except OSError:  # no C library to ask: the memory stays with the process, nothing more
        return
