"""TVU204 log-wrong-argument: a logging call that names another object than its own."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python import facts as F
from tvusage_lint.python.rules.common import LOG_CALL, Context, LogSite, at_call, rewrite_fix


@codes.unit("TVU204", LOG_CALL)
def log_wrong_argument(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a logging call whose argument is not ``self`` (constructor) or the function."""
    if not site.regular:
        return None
    call, want = site.call, site.want
    if call.form == F.FORM_OBJECT and call.arg != want:
        assert site.fn is not None
        what = "constructor" if site.in_init else f"`{site.fn.name}`"
        message = f"{what} logs `{call.arg}`, not `{want}`: use `_log_api_usage_once({want})`"
    elif call.form == F.FORM_OTHER:
        message = f"cannot tell what `{site.shown}` logs: use `_log_api_usage_once({want})`"
    else:
        return None
    return at_call(site, "TVU204", message, rewrite_fix(ctx, site))
