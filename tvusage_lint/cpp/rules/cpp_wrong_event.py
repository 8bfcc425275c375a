"""TVU302 cpp-wrong-event: a C++ event string that does not name its file and function.

An entry point must log ``<module>.<name>`` (its own name accepted too, with a
``_symint`` suffix); a function that logs without being an entry point must
still name itself, and a method may log its class's event (what its
constructor logs).
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.cpp.facts import KIND_CONSTRUCTOR, KIND_METHOD, MACRO
from tvusage_lint.cpp.rules.common import FUNCTION, Site
from tvusage_lint.core.findings import Applicability, Edit, Finding, Fix


@codes.unit("TVU302", FUNCTION)
def cpp_wrong_event(site: Site) -> Finding | None:
    """Finds a ``C10_LOG_API_USAGE_ONCE`` whose event is not the one its function should log."""
    function, module = site.function, site.module
    if not function.logs:
        return None
    call = function.logs[0]
    event = site.expected
    accepted = {event, f"{module}.{function.name}"}
    if not site.entry and function.kind in (KIND_METHOD, KIND_CONSTRUCTOR) and function.scope:
        accepted.add(f"{module}.{function.scope.rsplit('::', 1)[-1]}")
    if call.event in accepted:
        return None
    if call.event is None:
        message = f"`{MACRO}` in `{function.qualname}` does not log a string literal"
    else:
        message = f"`{MACRO}` in `{function.qualname}` logs `{call.event}`, expected `{event}`"
    return Finding(
        path=site.path,
        line=call.arg_line,
        column=call.arg_column,
        code="TVU302",
        message=message,
        end_line=call.arg_end_line,
        end_column=call.arg_end_column,
        symbol=function.qualname,
        event=event,
        fix=Fix(
            title=f'Replace the event with `"{event}"`',
            applicability=Applicability.SAFE,
            action="cpp-rewrite",
            target=function.qualname,
            edits=(Edit(call.arg_start, call.arg_end, f'"{event}"'),),
        ),
        def_line=function.line,
    )
