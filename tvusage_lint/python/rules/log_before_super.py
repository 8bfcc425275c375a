"""TVU202 log-before-super: a constructor that logs before ``super().__init__()``."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.rules.common import (
    LOG_CALL,
    Context,
    LogSite,
    at_call,
    before_super,
    move_fix,
)


@codes.unit("TVU202", LOG_CALL)
def log_before_super(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a constructor's logging call placed before its ``super().__init__()``."""
    if not site.regular or not before_super(site):
        return None
    fn = site.fn
    assert fn is not None
    return at_call(
        site,
        "TVU202",
        f"`{fn.qualname}` logs before `super().__init__()`; log right after it",
        move_fix(fn, site.pos, "constructor", "right after `super().__init__()`"),
    )
