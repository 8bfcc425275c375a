"""The C++ driver: hands each registered unit the functions of one legacy C++ file.

It also makes the file's coverage rows (``cpp`` entries): the entry points,
logged, missing or exempt. It knows no rule: it asks ``codes`` for the units
of the family and skips the codes the file's subpackage switches off.
"""

from __future__ import annotations

from dataclasses import replace

from tvusage_lint.core import codes
from tvusage_lint.core.config import Settings
from tvusage_lint.cpp.facts import CppFacts, Function
from tvusage_lint.cpp.rules.common import (
    FUNCTION,
    Registry,
    Site,
    build_registry,
    entry_points,
    module_of,
    subpackage_of,
)
from tvusage_lint.cpp.stable import ABI_STABLE
from tvusage_lint.core.entries import EXEMPT, KIND_CPP, LOGGED, MISSING, Entry
from tvusage_lint.core.findings import Finding, parse_error


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
        return [parse_error(path, f"cannot parse C++: {facts.error}", facts.error_line or 1)], []
    if facts.unit.abi == ABI_STABLE:
        return [], []  # c10 is out of reach: its operators are recorded in Python (link/)
    if registry is None:
        registry = build_registry([facts])
    module = module_of(csrc_rel, package)
    units = [u for u in codes.units(FUNCTION) if settings.enabled(u.code, subpackage)]
    findings: list[Finding] = []
    entries: list[Entry] = []
    points = {id(p.function): p for p in entry_points(facts, registry)}
    for function in facts.functions:
        point = points.get(id(function))
        if point is None:
            # a logging call outside an entry point must still name its own function
            if not function.logs or function.stub or settings.is_exempt(function.qualname):
                continue
            site = Site(function, module, path, facts.newline, entry=False)
        else:
            if point.private:
                continue
            site = Site(function, module, path, facts.newline, entry=True)
            expected = site.expected
            if settings.is_exempt(function.qualname) or settings.is_exempt(expected):
                entries.append(_entry(function, subpackage, path, EXEMPT, "exempt", expected))
                continue
            status = LOGGED if function.logs else MISSING
            entry = _entry(function, subpackage, path, status, "", expected)
            if function.logs and function.logs[0].event not in (None, expected):
                entry = replace(entry, emits=function.logs[0].event)
            entries.append(entry)
        for unit in units:
            found = unit.run(site)
            if found is not None:
                findings.append(found)
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
