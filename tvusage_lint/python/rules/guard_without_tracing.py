"""TVU208 guard-without-tracing: a guard that checks scripting but not tracing.

An early-return guard is reported without a fix: its condition also decides
which code path the function takes.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding, Fix
from tvusage_lint.python import facts as F
from tvusage_lint.python.rules.common import LOG_CALL, SAFE, Context, LogSite, at_call


@codes.unit("TVU208", LOG_CALL)
def guard_without_tracing(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a function's logging guard that checks ``is_scripting`` but not ``is_tracing``."""
    guard = site.call.guard
    if not site.regular or not site.in_function:
        return None
    if guard not in (F.GUARD_SCRIPTING, F.GUARD_EARLY):
        return None
    assert site.fn is not None
    fix = None
    if guard == F.GUARD_SCRIPTING:
        fix = Fix(
            title="Check `torch.jit.is_tracing()` in the guard too",
            applicability=SAFE,
            action="rewrite-guard",
            target=site.fn.qualname,
            params=site.pos,
        )
    return at_call(
        site,
        "TVU208",
        "guard checks `torch.jit.is_scripting()` but not `torch.jit.is_tracing()`",
        fix,
        at_guard=guard == F.GUARD_SCRIPTING,
    )
