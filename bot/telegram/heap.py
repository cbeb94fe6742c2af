"""Keeping the loaded content out of the garbage collector's way.

Content is tens of thousands of long-lived objects (a hundred times more at x100 content).
Python's cyclic collector walks every one of them on each full collection: 6-11 ms for the
shipped content, a pause in which no message is answered, and one that grows with the
content. Content holds no reference cycles (a test checks it), so nothing in it ever needs
the collector: once loaded, everything alive is frozen out of its sight (`gc.freeze`). An
engine replaced by a reload is still freed, by reference counting, once nothing uses it.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Call once content is loaded and in use: collect what loading left behind (so no garbage
    is frozen with it), then freeze everything alive."""
    gc.collect()
    gc.freeze()
