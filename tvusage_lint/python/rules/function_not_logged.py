"""TVU102 function-not-logged: a public function that does not log."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.policy import ROLE_FUNCTION, EntryPoint
from tvusage_lint.python.rules.common import (
    ENTRY_POINT,
    Context,
    at_header,
    missing_fix,
    twin_logs,
    unlogged,
)


@codes.unit("TVU102", ENTRY_POINT)
def function_not_logged(ctx: Context, point: EntryPoint) -> Finding | None:
    """Finds a public function that does not call ``_log_api_usage_once`` on itself."""
    if not unlogged(point) or point.role != ROLE_FUNCTION or twin_logs(point):
        return None
    name = point.fact.name
    return at_header(
        point,
        "TVU102",
        f"public function `{name}` does not call `_log_api_usage_once({name})`",
        missing_fix(ctx, point),
    )
