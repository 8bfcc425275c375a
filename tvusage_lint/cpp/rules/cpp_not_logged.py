"""TVU301 cpp-not-logged: a C++ entry point that never calls ``C10_LOG_API_USAGE_ONCE``."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.cpp.facts import MACRO
from tvusage_lint.cpp.rules.common import FUNCTION, Site, insertion
from tvusage_lint.core.findings import Applicability, Finding, Fix


@codes.unit("TVU301", FUNCTION)
def cpp_not_logged(site: Site) -> Finding | None:
    """Finds a registered C++ entry point whose body does not call the logging macro."""
    function = site.function
    if not site.entry or function.logs:
        return None
    event = site.expected
    return Finding(
        path=site.path,
        line=function.name_line,
        column=function.name_column,
        code="TVU301",
        message=f"`{function.qualname}` does not call `{MACRO}`",
        end_line=function.name_line,
        end_column=function.name_column + len(function.name),
        symbol=function.qualname,
        event=event,
        fix=Fix(
            title=f'Insert `{MACRO}("{event}")`',
            applicability=Applicability.SAFE,
            action="cpp-insert",
            target=function.qualname,
            edits=(insertion(function, event, site.newline),),
        ),
        def_line=function.line,
    )
