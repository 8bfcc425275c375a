"""TVU101 class-not-logged: a public class whose construction nothing logs.

A dataset whose chain to the dataset base is intact is covered by that base,
except under ``--strict``, where only its own call counts.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.facts import ClassFact
from tvusage_lint.python.policy import ROLE_CLASS, ROLE_DATASET, EntryPoint
from tvusage_lint.python.rules.common import (
    ENTRY_POINT,
    Context,
    at_header,
    class_fix,
    missing_fix,
    twin_logs,
    unlogged,
)


@codes.unit("TVU101", ENTRY_POINT)
def class_not_logged(ctx: Context, point: EntryPoint) -> Finding | None:
    """Finds a public class whose ``__init__`` does not log and that no ancestor covers."""
    if not unlogged(point):
        return None
    fact = point.fact
    if point.role == ROLE_DATASET:
        if point.chain_break or not point.root or not ctx.settings.strict_for(point.scope):
            return None
        assert isinstance(fact, ClassFact)
        return at_header(
            point,
            "TVU101",
            f"`{fact.name}` does not call `_log_api_usage_once(self)` itself "
            "(strict: coverage through the dataset base does not count)",
            class_fix(ctx, point.module, fact),
        )
    if point.role != ROLE_CLASS or twin_logs(point):
        return None
    assert isinstance(fact, ClassFact)
    if fact.init is None:
        message = (
            f"public class `{fact.name}` has no `__init__` that calls "
            "`_log_api_usage_once(self)` and no ancestor covers it"
        )
    elif not fact.init.calls_super_init:
        message = (
            f"`{fact.name}.__init__` does not call `_log_api_usage_once(self)` "
            "(and does not call `super().__init__()`, so no ancestor covers it)"
        )
    else:
        message = (
            f"`{fact.name}.__init__` does not call `_log_api_usage_once(self)` "
            "and no ancestor covers it"
        )
    return at_header(point, "TVU101", message, missing_fix(ctx, point))
