"""TVU105 ops-twin-not-logged: an ops class or function silent while its twin logs."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.policy import ROLE_CLASS, ROLE_DATASET, ROLE_DATASET_ROOT, EntryPoint
from tvusage_lint.python.rules.common import (
    ENTRY_POINT,
    Context,
    at_header,
    missing_fix,
    short,
    twin_logs,
    unlogged,
)


@codes.unit("TVU105", ENTRY_POINT)
def ops_twin_not_logged(ctx: Context, point: EntryPoint) -> Finding | None:
    """Finds an ops class that does not log while its functional twin does, or the reverse."""
    if not unlogged(point) or point.role in (ROLE_DATASET, ROLE_DATASET_ROOT):
        return None
    if not twin_logs(point):
        return None
    name, twin = point.fact.name, short(point.twin)
    if point.role == ROLE_CLASS:
        message = f"`{name}` does not log but its functional twin `{twin}` does"
    else:
        message = f"`{name}` does not log but its twin class `{twin}` does"
    return at_header(point, "TVU105", message, missing_fix(ctx, point))
