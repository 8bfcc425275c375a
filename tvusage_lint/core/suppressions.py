"""Suppression comments: ``# tvusage: ignore[TVU101]`` and ``// tvusage: ignore``.

A suppression applies to findings on its own line or, for Python, to findings
whose ``def``/``class`` line carries it. Suppressions that match no finding
are reported as TVU900, whose unit is here: it is judged after every rule has
run, on what the suppressions matched.
"""

from __future__ import annotations

import io
import re
import tokenize

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Applicability, Finding, Fix

_PY = re.compile(r"#\s*tvusage:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CPP = re.compile(r"//\s*tvusage:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)

Suppressions = tuple[tuple[int, tuple[str, ...]], ...]

SUPPRESSION = "suppression"  # run(path, line, codes, used, enabled) -> list[Finding]: apply's


def _codes(match: re.Match[str]) -> tuple[str, ...]:
    raw = match.group("codes")
    if raw is None:
        return ()
    return tuple(c.strip().upper() for c in raw.split(",") if c.strip())


def scan_python(text: str) -> Suppressions:
    """Suppressions in real comments (a regex first, tokenize only to confirm)."""
    if "tvusage" not in text:
        return ()
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                match = _PY.search(tok.string)
                if match:
                    out.append((tok.start[0], _codes(match)))
    except (tokenize.TokenError, SyntaxError):
        return ()
    return tuple(out)


def scan_cpp(text: str) -> Suppressions:
    if "tvusage" not in text:
        return ()
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CPP.search(line)
        if match:
            out.append((number, _codes(match)))
    return tuple(out)


def apply(
    findings: list[Finding],
    suppressions: Suppressions,
    path: str,
    report_unused: bool,
    enabled: frozenset[str] | set[str] | None = None,
) -> list[Finding]:
    """Drop suppressed findings; add TVU900 for suppressions that matched nothing.

    A code that is switched off in this run is never reported as unused: another
    configuration (CI with ``--extend-select``) may need the suppression.
    """
    if not suppressions:
        return findings
    by_line: dict[int, tuple[str, ...]] = dict(suppressions)
    used: dict[int, set[str]] = {line: set() for line in by_line}
    kept: list[Finding] = []
    for finding in findings:
        hit = False
        for line in (finding.line, finding.def_line):
            named = by_line.get(line)
            if named is None:
                continue
            if not named or finding.code in named:
                used[line].add(finding.code)
                hit = True
                break
        if not hit:
            kept.append(finding)
    if report_unused:
        for line, named in sorted(by_line.items()):
            kept.extend(unused_suppression(path, line, named, used[line], enabled))
    return kept


@codes.unit("TVU900", SUPPRESSION)
def unused_suppression(
    path: str,
    line: int,
    named: tuple[str, ...],
    used: set[str],
    enabled: frozenset[str] | set[str] | None,
) -> list[Finding]:
    """Finds a suppression comment that suppresses nothing, or names an unknown code."""
    out: list[Finding] = []
    if not named and not used:
        out.append(_unused(path, line, "suppression comment suppresses nothing"))
    for code in named:
        if code not in codes.RULES:
            out.append(_unused(path, line, f"suppression names unknown rule code {code}", code))
        elif code not in used and (enabled is None or code in enabled):
            out.append(_unused(path, line, f"suppression of {code} suppresses nothing", code))
    return out


def _unused(path: str, line: int, message: str, code: str = "") -> Finding:
    return Finding(
        path=path,
        line=line,
        column=1,
        code="TVU900",
        message=message,
        fix=Fix(
            title="Remove the unused suppression",
            applicability=Applicability.SAFE,
            action="remove-suppression",
            params=(("line", str(line)), ("codes", code)),
        ),
        def_line=0,
    )


def strip_comment(line_text: str, codes_to_drop: set[str] | None, cpp: bool) -> str:
    """``line_text`` without the suppression (or without some of its codes)."""
    pattern = _CPP if cpp else _PY
    match = pattern.search(line_text)
    if not match:
        return line_text
    named = _codes(match)
    keep = [c for c in named if codes_to_drop is not None and c not in codes_to_drop]
    if keep:
        marker = "//" if cpp else "#"
        new = f"{marker} tvusage: ignore[{', '.join(keep)}]"
        return line_text[: match.start()] + new + line_text[match.end() :]
    return (line_text[: match.start()].rstrip() + line_text[match.end() :]).rstrip() + (
        "\n" if line_text.endswith("\n") else ""
    )


__all__ = ["apply", "scan_cpp", "scan_python", "strip_comment", "unused_suppression"]
