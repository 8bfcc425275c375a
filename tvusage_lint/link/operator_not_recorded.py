"""TVU304 operator-not-recorded: a stable-ABI operator whose use nothing records.

At the public Python caller it carries TVU102's fix, exactly (the call that
records the operator is the one the caller lacks); at the C++ registration it
has none: a public wrapper has to be written, or the operator renamed private.
"""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding, Fix
from tvusage_lint.link.operators import OPERATOR, Operator, Unrecorded
from tvusage_lint.python.rules.common import Context, at_header, function_fix


@codes.unit("TVU304", OPERATOR)
def operator_not_recorded(ctx: Context, gap: Unrecorded) -> Finding | None:
    """Finds a stable-ABI operator that no logging public Python caller reaches."""
    if gap.caller is None:
        return _at_registration(gap)
    point = gap.caller.point
    module, fact = point.module, gap.caller.function
    assert fact is not None
    calls = ", ".join(f"`torch.ops.{op.name.replace('::', '.')}`" for op in gap.ops)
    noun = "operator" if len(gap.ops) == 1 else "operators"
    message = (
        f"public function `{fact.name}` calls the stable-ABI {noun} {_names(gap.ops)} ({calls}) "
        f"but does not call `_log_api_usage_once({fact.name})`: nothing records their use"
    )
    fix: Fix | None = None
    if ctx.can_fix(module):
        fix = function_fix(ctx, module, fact)
    return at_header(point, "TVU304", message, fix)


def _at_registration(gap: Unrecorded) -> Finding:
    (op,) = gap.ops
    if gap.callers:
        names = ", ".join(f"`{c.point.entry.symbol}`" for c in gap.callers)
        why = f"its public callers ({names}) do not log"
    else:
        why = f"no public Python function calls `torch.ops.{op.name.replace('::', '.')}`"
    return Finding(
        path=op.source.display,
        line=op.line,
        column=1,
        code="TVU304",
        message=(f"stable-ABI operator `{op.name}` cannot log in C++ and is not recorded: {why}"),
        symbol=op.name,
        event="",
    )


def _names(ops: Sequence[Operator]) -> str:
    return ", ".join(f"`{op.name}`" for op in ops)
