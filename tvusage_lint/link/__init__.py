"""Python ↔ C++: registered operators joined to the public Python functions that call them.

``operators.py`` finds every operator in csrc, its front ends and its Python
callers, and makes the ``operator`` coverage rows and the gaps (stable-ABI
operators nothing records); each of its rule units (TVU304,
``operator_not_recorded.py``) turns a gap into a finding. Every module here is
imported, so a new unit registers itself. This package may import the C++ and
Python facts, the C++ rules' helpers, the index, policy, the Python rules'
shared helpers (``python/rules/common.py``), config, entries and findings; not
the engine, a report or a front end.
"""

from __future__ import annotations

from tvusage_lint.core import codes

codes.load(__name__, __path__)
