"""The cyclic garbage collector, paused while a run builds its facts.

A run creates millions of small objects (facts, index entries) and frees
almost none, and they hold no reference cycles: each collection the allocations
trigger walks all of them again for nothing. On a synthetic tree of 20,000
modules that was half of a warm run (loading the cache) and a third of a cold
one. Reference counting still frees everything that is dropped; what is left
at the end is frozen (``gc.freeze``), so the first collection after the pause
does not walk it either (a long-lived caller that wants cycles among those
objects collected later can call ``gc.unfreeze()``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    if not gc.isenabled():  # nested, or turned off by the caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # what was built stays: the next collections need not walk it
        gc.enable()
