"""Building a large object graph without the cycle collector walking it again and again.

Python's cycle collector runs every few hundred allocations and, as the heap grows, sweeps
every live object now and then. Reading a large definition or analysing its graph makes
hundreds of thousands of objects that all stay alive and form no cycles, so each sweep
finds nothing; on a 10,000-service system the sweeps cost more than the parse itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block.

    Objects are still freed by reference counting meanwhile. At the end, what the block
    made is moved to the oldest generation (``freeze`` then ``unfreeze``) rather than left
    in the youngest, which the next collection would sweep whole and then twice more as it
    ages; a cycle made meanwhile waits for the next full collection.

    Where the host froze objects of its own (``gc.freeze()`` after start-up, or before
    forking workers), ``unfreeze`` would thaw them too and every full collection would walk
    them again: then the block's objects are left where they are, to age as usual.
    """
    if not gc.isenabled():  # paused further out, or by the caller: leave it so
        yield
        return
    hosts_frozen = gc.get_freeze_count()  # walks what is frozen: nothing, unless a host froze
    gc.disable()
    try:
        yield
    finally:
        if not hosts_frozen:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
