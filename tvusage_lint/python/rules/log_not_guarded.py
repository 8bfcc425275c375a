"""TVU203 log-not-guarded: a function's logging call that TorchScript would script."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding, Fix
from tvusage_lint.python import facts as F
from tvusage_lint.python.rules.common import LOG_CALL, SAFE, Context, LogSite, at_call

GUARD_TEXT = "if not torch.jit.is_scripting() and not torch.jit.is_tracing():"


@codes.unit("TVU203", LOG_CALL)
def log_not_guarded(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a function-level logging call with no guard against TorchScript scripting."""
    if not site.regular or not site.in_function or site.call.guard != F.GUARD_NONE:
        return None
    assert site.fn is not None
    return at_call(
        site,
        "TVU203",
        f"`{site.shown}` is not guarded against TorchScript scripting",
        Fix(
            title=f"Wrap it in `{GUARD_TEXT}`",
            applicability=SAFE,
            action="wrap-log",
            target=site.fn.qualname,
            params=site.pos,
        ),
    )
