"""TVU301–TVU303: C++ entry points must log ``C10_LOG_API_USAGE_ONCE("<event>")`` first.

Entry points come from the registrations, never from a list of names:

- a function registered as an operator, ``RegisterOperators().op("image::decode_png",
  &decode_png)`` or ``m.def("read_video_from_file", read_video_from_file)``,
  wherever it is defined (the registration usually lives in another file, so
  the engine passes a :class:`Registry` built from every csrc file's facts);
- the front end of a schema-only registration, ``m.def("torchvision::nms(...)")``:
  the function ``nms`` (or ``nms_symint``) defined in the same file;
- the constructors of a class registered with ``torch::class_<C>``.

``m.impl(...)`` registers a kernel, not an entry point. A stable-ABI unit
(``cpp/stable.py``) has no entry points here: it cannot call the macro, and
its operators are linked to their Python callers instead (``linker.py``). A name, or an operator
name, starting with ``_`` is private. A feature stub (a body that only
raises, ``#if !PNG_FOUND``) is not an entry point: the real definition in the
other branch is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from tvusage_lint.config import Settings
from tvusage_lint.cpp.facts import (
    KIND_CONSTRUCTOR,
    KIND_DESTRUCTOR,
    KIND_FUNCTION,
    KIND_METHOD,
    MACRO,
    REG_CLASS,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    CppFacts,
    Function,
    LogCall,
    op_base,
)
from tvusage_lint.cpp.stable import ABI_STABLE
from tvusage_lint.entries import EXEMPT, KIND_CPP, LOGGED, MISSING, Entry
from tvusage_lint.findings import Applicability, Edit, Finding, Fix

COLUMN_LIMIT = 80  # torchvision's .clang-format (Google style): longer calls are wrapped
SYMINT = "_symint"


@dataclass(frozen=True)
class Registry:
    """Operator and class registrations of the whole csrc tree.

    ``functions`` holds (scope, target, op) and ``classes`` (scope, class):
    the target as written at the registration and the namespace around it.
    """

    functions: frozenset[tuple[str, str, str]] = frozenset()
    classes: frozenset[tuple[str, str]] = frozenset()


def build_registry(all_facts: Iterable[CppFacts]) -> Registry:
    functions: set[tuple[str, str, str]] = set()
    classes: set[tuple[str, str]] = set()
    for facts in all_facts:
        for reg in getattr(facts, "registrations", ()):
            if reg.kind in (REG_OP, REG_DEF):
                functions.add((reg.scope, reg.target, reg.op))
            elif reg.kind == REG_CLASS:
                classes.add((reg.scope, reg.target))
    return Registry(frozenset(functions), frozenset(classes))


def resolves(scope: str, written: str, qualname: str) -> bool:
    """``written`` named inside namespace ``scope`` can mean ``qualname`` (C++ lookup outward)."""
    parts = scope.split("::") if scope else []
    for i in range(len(parts), -1, -1):
        prefix = "::".join(parts[:i])
        if (f"{prefix}::{written}" if prefix else written) == qualname:
            return True
    return False


def module_of(csrc_rel: str, package: str) -> str:
    """``ops/nms.cpp`` → ``torchvision.csrc.ops.nms``."""
    stem = csrc_rel.rsplit(".", 1)[0] if "." in csrc_rel.rsplit("/", 1)[-1] else csrc_rel
    return f"{package}.csrc." + stem.replace("/", ".")


def subpackage_of(csrc_rel: str) -> str:
    """The first folder under csrc (``ops``, ``io``); ``csrc`` for files at its top."""
    return csrc_rel.split("/", 1)[0] if "/" in csrc_rel else "csrc"


def base_name(function: Function) -> str:
    """The name the event uses: the class for a constructor, ``roi_align`` for ``roi_align_symint``."""
    name = function.name
    if name.endswith(SYMINT) and len(name) > len(SYMINT):
        return name[: -len(SYMINT)]
    return name


@dataclass(frozen=True)
class _Point:
    function: Function
    private: bool


def entry_points(facts: CppFacts, registry: Registry) -> list[_Point]:
    """The functions of this file the policy wants logged (stubs left out)."""
    schemas = [r for r in facts.registrations if r.kind == REG_SCHEMA]
    out: list[_Point] = []
    for function in facts.functions:
        if function.stub or function.kind == KIND_DESTRUCTOR:
            continue
        public: list[bool] = []
        if function.kind in (KIND_FUNCTION, KIND_METHOD):
            for scope, target, op in registry.functions:
                if resolves(scope, target, function.qualname):
                    public.append(not op_base(op).startswith("_"))
        if function.kind == KIND_FUNCTION:
            for reg in schemas:
                if function.name in (reg.target, reg.target + SYMINT):
                    public.append(not reg.target.startswith("_"))
        if function.kind == KIND_CONSTRUCTOR:
            for scope, target in registry.classes:
                if resolves(scope, target, function.scope):
                    public.append(True)
        if public:
            private = function.name.startswith("_") or not any(public)
            out.append(_Point(function, private))
    return out


def check(
    facts: CppFacts,
    *,
    path: str,
    csrc_rel: str,
    package: str,
    settings: Settings,
    registry: Registry | None = None,
) -> tuple[list[Finding], list[Entry]]:
    """Findings and coverage rows of one C++ file.

    ``registry`` holds the registrations of the whole csrc tree; without it
    only this file's own registrations count.
    """
    subpackage = subpackage_of(csrc_rel)
    if facts.error:
        if not settings.enabled("TVU001", subpackage):
            return [], []
        finding = Finding(
            path=path,
            line=facts.error_line or 1,
            column=1,
            code="TVU001",
            message=f"cannot parse C++: {facts.error}",
        )
        return [finding], []
    if facts.unit.abi == ABI_STABLE:
        return [], []  # c10 is out of reach: its operators are recorded in Python (linker.py)
    if registry is None:
        registry = build_registry([facts])
    module = module_of(csrc_rel, package)
    findings: list[Finding] = []
    entries: list[Entry] = []
    points = {id(p.function): p for p in entry_points(facts, registry)}
    for function in facts.functions:
        point = points.get(id(function))
        if point is None:
            if function.logs and not function.stub:
                findings.extend(_strays(function, module, path, settings, subpackage))
            continue
        if point.private:
            continue
        expected = f"{module}.{base_name(function)}"
        accepted = {expected, f"{module}.{function.name}"}
        symbol = function.qualname
        if settings.is_exempt(symbol) or settings.is_exempt(expected):
            entries.append(_entry(function, subpackage, path, EXEMPT, "exempt", expected))
            continue
        status = LOGGED if function.logs else MISSING
        entry = _entry(function, subpackage, path, status, "", expected)
        if function.logs and function.logs[0].event not in (None, expected):
            entry = replace(entry, emits=function.logs[0].event)
        entries.append(entry)
        if not function.logs:
            if settings.enabled("TVU301", subpackage):
                findings.append(_not_logged(function, expected, path, facts.newline))
            continue
        call = function.logs[0]
        if not call.first and settings.enabled("TVU303", subpackage):
            findings.append(_not_first(function, call, expected, path, facts.newline))
        if call.event not in accepted and settings.enabled("TVU302", subpackage):
            findings.append(_wrong_event(function, call, expected, path))
    return findings, entries


def _entry(
    function: Function, subpackage: str, path: str, status: str, via: str, event: str
) -> Entry:
    return Entry(
        symbol=function.qualname,
        kind=KIND_CPP,
        subpackage=subpackage,
        path=path,
        line=function.line,
        status=status,
        via=via,
        event=event,
    )


def render(event: str, indent: str, *, inline: bool, newline: str = "\n") -> str:
    """The statement, wrapped like clang-format does when it passes the column limit."""
    one = f'{MACRO}("{event}");'
    if inline or len(indent) + len(one) <= COLUMN_LIMIT:
        return one
    return f'{MACRO}({newline}{indent}    "{event}");'


def insertion(function: Function, event: str, newline: str) -> Edit:
    statement = render(event, function.indent, inline=function.inline, newline=newline)
    return Edit(
        function.insert_start,
        function.insert_end,
        function.insert_prefix + statement + function.insert_suffix,
    )


def _not_logged(function: Function, event: str, path: str, newline: str) -> Finding:
    return Finding(
        path=path,
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
            edits=(insertion(function, event, newline),),
        ),
        def_line=function.line,
    )


def _not_first(function: Function, call: LogCall, event: str, path: str, newline: str) -> Finding:
    return Finding(
        path=path,
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
                insertion(function, event, newline),
                Edit(call.removal_start, call.removal_end, ""),
            ),
        ),
        def_line=function.line,
    )


def _wrong_event(function: Function, call: LogCall, event: str, path: str) -> Finding:
    if call.event is None:
        message = f"`{MACRO}` in `{function.qualname}` does not log a string literal"
    else:
        message = f"`{MACRO}` in `{function.qualname}` logs `{call.event}`, expected `{event}`"
    return Finding(
        path=path,
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


def _strays(
    function: Function, module: str, path: str, settings: Settings, subpackage: str
) -> list[Finding]:
    """A logging call outside an entry point must still name its own function.

    A method may log its class's event (what its constructor logs).
    """
    if not settings.enabled("TVU302", subpackage) or settings.is_exempt(function.qualname):
        return []
    call = function.logs[0]
    accepted = {f"{module}.{function.name}", f"{module}.{base_name(function)}"}
    if function.kind in (KIND_METHOD, KIND_CONSTRUCTOR) and function.scope:
        accepted.add(f"{module}.{function.scope.rsplit('::', 1)[-1]}")
    if call.event in accepted:
        return []
    return [_wrong_event(function, call, f"{module}.{base_name(function)}", path)]
