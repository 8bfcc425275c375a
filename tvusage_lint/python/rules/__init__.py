"""The Python rules: one module per code (TVU101-TVU105, TVU201-TVU208, TVU401-TVU405).

Each unit is a function registered with ``@codes.unit(code, family)``; every
module of this package is imported here, so a new rule needs no list to edit.
``common.py`` holds what the entry-point and call units share (the context, where
findings go, the fixes several codes build), ``hand_rolled.py`` the layer units'
driver and helpers, ``checker.py`` the driver of the rest (``Checker``). A unit
reads facts, the index and the settings; it never parses, prints or writes, and
never imports another unit. This package may import the Python facts, the index,
policy and placement, config, findings and codes; not the engine, a report or a
front end.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.python.rules.checker import Checker

codes.load(__name__, __path__)

__all__ = ["Checker"]
