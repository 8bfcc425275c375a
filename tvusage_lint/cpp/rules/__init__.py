"""The C++ rules: one module per code (TVU301-TVU303) over legacy C++ units.

Each unit is a function registered with ``@codes.unit(code, family)``; every
module of this package is imported here, so a new rule needs no list to edit.
``common.py`` holds what they share (registrations, entry points, the event a
function should log, the macro as clang-format writes it), ``checker.py`` the
driver (``check``, also the ``cpp`` coverage rows). This package may import the
C++ facts, config, entries, findings and codes; not the engine, a report or a
front end.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.cpp.rules.checker import check
from tvusage_lint.cpp.rules.common import (
    COLUMN_LIMIT,
    SYMINT,
    Registry,
    base_name,
    build_registry,
    entry_points,
    insertion,
    module_of,
    render,
    resolves,
    subpackage_of,
)

codes.load(__name__, __path__)

__all__ = [
    "COLUMN_LIMIT",
    "SYMINT",
    "Registry",
    "base_name",
    "build_registry",
    "check",
    "entry_points",
    "insertion",
    "module_of",
    "render",
    "resolves",
    "subpackage_of",
]
