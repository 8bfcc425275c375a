"""TVU207 log-misplaced: a logging call where logging does not belong.

At module level, in a nested definition, in a method other than ``__init__``,
or logging ``self`` in a plain function. There is no automatic fix. Such a
call gets no other call finding.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.rules.common import LOG_CALL, Context, LogSite, at_call


@codes.unit("TVU207", LOG_CALL)
def log_misplaced(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a logging call outside the ``__init__`` or public function it should log for."""
    if not site.misplaced:
        return None
    return at_call(site, "TVU207", f"`{site.shown}` {site.misplaced}")
