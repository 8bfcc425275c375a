"""TVU303 cpp-log-not-first: a C++ entry point's macro that is not its first statement."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.cpp.facts import MACRO
from tvusage_lint.cpp.rules.common import FUNCTION, Site, insertion
from tvusage_lint.core.findings import Applicability, Edit, Finding, Fix


@codes.unit("TVU303", FUNCTION)
def cpp_log_not_first(site: Site) -> Finding | None:
    """Finds a C++ entry point whose ``C10_LOG_API_USAGE_ONCE`` comes after other statements."""
    function = site.function
    if not site.entry or not function.logs or function.logs[0].first:
        return None
    call = function.logs[0]
    event = site.expected
    return Finding(
        path=site.path,
        line=call.line,
        column=call.column,
        code="TVU303",
        message=f"`{MACRO}` is not the first statement of `{function.qualname}`",
        end_line=call.end_line,
        end_column=call.end_column,
        symbol=function.qualname,
        event=event,
        fix=Fix(
            title=f"Move the `{MACRO}` call to the top of `{function.qualname}`",
            applicability=Applicability.UNSAFE,
            action="cpp-move",
            target=function.qualname,
            edits=(
                insertion(function, event, site.newline),
                Edit(call.removal_start, call.removal_end, ""),
            ),
        ),
        def_line=function.line,
    )
