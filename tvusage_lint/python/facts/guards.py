"""Logging guards: which ``torch.jit.is_scripting()`` / ``is_tracing()`` checks an ``if`` makes.

A guard is read the same way around a logging call (``if not is_scripting(): log``)
and at the top of a body (``if is_scripting(): return ...``, then log).
"""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted
from tvusage_lint.python.facts.types import (
    GUARD_BOTH,
    GUARD_EARLY,
    GUARD_EARLY_BOTH,
    GUARD_SCRIPTING,
)


def _jit_check(node: ast.expr) -> str:
    """ "scripting" / "tracing" when ``node`` is ``torch.jit.is_scripting()`` etc."""
    if isinstance(node, ast.Call) and not node.args:
        name = dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in ("is_scripting", "is_tracing") and (name == last or "jit" in name):
            return "scripting" if last == "is_scripting" else "tracing"
    return ""


def _checks(test: ast.expr, negated: bool) -> set[str] | None:
    """The jit checks of ``a() or b()`` (or, negated, ``not a() and not b()`` and
    ``not (a() or b())``); None for any other expression."""
    if negated and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _checks(test.operand, False)
    if not negated:
        kind = _jit_check(test)
        if kind:
            return {kind}
    joiner = ast.And if negated else ast.Or
    if isinstance(test, ast.BoolOp) and isinstance(test.op, joiner):
        found: set[str] = set()
        for value in test.values:
            sub = _checks(value, negated)
            if sub is None:
                return None
            found |= sub
        return found
    return None


def _negated_checks(test: ast.expr) -> set[str] | None:
    return _checks(test, True)


def positive_checks(test: ast.expr) -> set[str] | None:
    return _checks(test, False)


def wrap_guard_kind(test: ast.expr) -> str:
    checks = _negated_checks(test)
    if not checks or "scripting" not in checks:
        return ""
    return GUARD_BOTH if "tracing" in checks else GUARD_SCRIPTING


def early_return_kind(stmt: ast.stmt) -> str:
    """GUARD_EARLY(_BOTH) for ``if torch.jit.is_scripting(): return ...``."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not stmt.body:
        return ""
    checks = positive_checks(stmt.test)
    if not checks or "scripting" not in checks:
        return ""
    if not isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
        return ""
    return GUARD_EARLY_BOTH if "tracing" in checks else GUARD_EARLY
