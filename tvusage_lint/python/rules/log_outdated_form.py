"""TVU205 log-outdated-form: a string, two-argument or ``torch._C`` logging call.

Such a call gets no other call finding: its rewrite settles the rest.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python import facts as F
from tvusage_lint.python.rules.common import LOG_CALL, Context, LogSite, at_call, rewrite_fix

_KINDS = {
    F.FORM_STRING: "string argument",
    F.FORM_TWO_ARGS: "two-argument form",
    F.FORM_TORCH_C: "direct `torch._C._log_api_usage_once`",
}


@codes.unit("TVU205", LOG_CALL)
def log_outdated_form(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a logging call in an outdated form, to rewrite as ``_log_api_usage_once(obj)``."""
    if site.misplaced or not site.outdated:
        return None
    return at_call(
        site,
        "TVU205",
        f"outdated form ({_KINDS[site.call.form]}) `{site.shown}`; "
        f"use `_log_api_usage_once({site.want})`",
        rewrite_fix(ctx, site),
    )
