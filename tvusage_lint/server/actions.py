"""Code actions: the fix ``--fix`` makes for one finding, a suppression comment, and
``source.fixAll.tvusage`` (safe fixes only, as ``check --fix`` on the file).

Fixes run the same fixers as ``--fix`` (``fix/python.py`` with libcst, ``cpp/fix.py``)
on the editor's text, and the old → new text becomes line-wise edits. A fix may edit
another file than the one the finding is in (a missing call shared by several
subclasses goes into their in-tree base), as ``--fix`` does.

libcst takes about a third of a second per thousand lines, so a Python fix runs on an
*excerpt*: the file with every top-level ``def``/``class`` the fix does not touch
replaced, line for line, by a marker comment (their extents come from the facts of the
check, so nothing is parsed twice). What the fixer reads of a file outside the
definition it edits (imports, the module docstring, other top-level statements) is
kept; its result is verified on the excerpt as ``--fix`` verifies the whole file, and
the markers are then replaced by the lines they stand for. When the facts do not
match the text, a fix has no target definition, or a marker was touched, the fix
runs on the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tvusage_lint.discovery import SourceFile
from tvusage_lint.findings import Applicability, Finding
from tvusage_lint.fix import FixResult, wanted
from tvusage_lint.fixing import fix_source
from tvusage_lint.python.facts import HELPER, PyFacts

UNFIXABLE_BY_COMMENT = ("TVU001", "TVU900")  # a parse error; a suppression itself
_PY_IGNORE = re.compile(r"#\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_CPP_IGNORE = re.compile(r"//\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_MARKER = "# tvusage-lint: excerpt line "
_MARKED = re.compile(r"# tvusage-lint: excerpt line (\d+)$")
_DEF_STARTS = ("def ", "async ", "class ", "@")

FactsOf = Callable[[Path, str], "PyFacts | None"]  # facts of a file's text, when known


@dataclass(frozen=True)
class FileChange:
    """New text for one file: what a code action's workspace edit carries."""

    path: Path
    old: str
    new: str


def fix_target(finding: Finding) -> str:
    """The display path of the file a finding's fix edits."""
    assert finding.fix is not None
    return finding.fix.param("file") or finding.path


def quick_fix(
    finding: Finding,
    sources: Mapping[str, SourceFile],
    text_of: Callable[[Path], str],
    facts_of: FactsOf | None = None,
) -> FileChange | None:
    """The edit ``--fix`` (``--unsafe-fixes`` for an unsafe fix) makes for ``finding``."""
    if finding.fix is None:
        return None
    source = sources.get(fix_target(finding))
    if source is None:
        return None
    try:
        old = text_of(source.path)
        fixed = _fix(source, old, [finding], True, facts_of)
    except (OSError, UnicodeDecodeError, SyntaxError):  # as --fix: that file is not fixed
        return None
    if not fixed.changed or fixed.text == old:
        return None
    return FileChange(source.path, old, fixed.text)


def _fix(
    source: SourceFile,
    text: str,
    findings: list[Finding],
    unsafe: bool,
    facts_of: FactsOf | None,
) -> FixResult:
    """``fix_source`` on an excerpt of ``text`` when its facts allow one, else on all of it."""
    facts = facts_of(source.path, text) if facts_of is not None else None
    if facts is not None and source.path.suffix == ".py":
        cut = excerpt(text, facts, findings)
        if cut is not None:
            short, lines, marked = cut
            fixed = fix_source(source, short, findings, unsafe=unsafe)
            whole = restore(fixed.text, lines, marked) if fixed.changed else None
            if whole is not None:
                return FixResult(whole, fixed.applied, fixed.skipped)
    return fix_source(source, text, findings, unsafe=unsafe)


def excerpt(
    text: str, facts: PyFacts, findings: list[Finding]
) -> tuple[str, list[str], list[int]] | None:
    """``text`` with the top-level definitions no finding's fix targets or lies in
    replaced by numbered marker comments, the lines of ``text`` and the marked rows;
    None when that cannot be done safely (``\\r`` line ends, facts of another text)."""
    heads = {HELPER, "torch"}  # the fixer asks whether the module binds these
    rows: set[int] = set()
    for finding in findings:
        target = finding.fix.target if finding.fix is not None else ""
        if not target or facts.error:
            return None
        heads.add(target.split(".")[0])
        rows.update((finding.line, finding.def_line or finding.line))
    if "\r" in text:
        return None
    lines = _LINES.findall(text)
    out = list(lines)
    marked: list[int] = []
    definitions = [(c.name, c.first_line, c.span) for c in facts.classes if not c.nested]
    definitions += [(f.name, f.first_line, f.span) for f in facts.functions]
    for name, first, span in definitions:
        if span.col != 0 or name in heads or any(first <= r <= span.end_line for r in rows):
            continue
        if span.end_line > len(lines) or not lines[first - 1].startswith(_DEF_STARTS):
            return None  # the facts are not this text's
        for row in range(first - 1, span.end_line):
            ending = lines[row][len(lines[row].rstrip("\n")) :]
            out[row] = f"{_MARKER}{row}{ending}"
            marked.append(row)
    if not marked:
        return None
    marked.sort()
    return "".join(out), lines, marked


def restore(fixed: str, lines: list[str], marked: list[int]) -> str | None:
    """The excerpt's fix with each marker replaced by the line it stands for; None when
    the fixer touched a marker (one is missing, repeated or out of order)."""
    out: list[str] = []
    seen: list[int] = []
    for line in _LINES.findall(fixed):
        match = _MARKED.match(line.rstrip("\n"))
        if match is None:
            out.append(line)
            continue
        seen.append(int(match.group(1)))
        out.append(lines[seen[-1]] if seen[-1] < len(lines) else "")
    return "".join(out) if seen == marked else None


def quick_fix_title(finding: Finding) -> str:
    assert finding.fix is not None
    unsafe = finding.fix.applicability is Applicability.UNSAFE
    return f"{finding.fix.title} ({finding.code}{', unsafe' if unsafe else ''})"


def suppress(finding: Finding, path: Path, text: str) -> FileChange | None:
    """``# tvusage: ignore[CODE]`` (C++: ``//``) on the finding's line, merged into a
    suppression comment already there."""
    if finding.code in UNFIXABLE_BY_COMMENT:
        return None
    lines = text.splitlines(keepends=True)
    row = finding.line - 1
    if not 0 <= row < len(lines):
        return None
    line = lines[row]
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    cpp = path.suffix != ".py"
    pattern = _CPP_IGNORE if cpp else _PY_IGNORE
    match = pattern.search(body)
    if match:
        codes = [c.strip() for c in match.group("codes").split(",") if c.strip()]
        if finding.code in codes:
            return None
        merged = ", ".join([*codes, finding.code])
        start, end = match.span("codes")
        body = body[:start] + merged + body[end:]
    else:
        if body.rstrip().endswith("\\"):
            return None  # a comment cannot follow a line continuation
        marker = "//" if cpp else "#"
        body = f"{body.rstrip()}  {marker} tvusage: ignore[{finding.code}]"
    lines[row] = body + ending
    return FileChange(path, text, "".join(lines))


def suppress_title(finding: Finding) -> str:
    return f"Suppress {finding.code} on this line"


def fix_round(
    findings: list[Finding],
    sources: Mapping[str, SourceFile],
    texts: dict[Path, str],
    text_of: Callable[[Path], str],
    facts_of: FactsOf | None = None,
) -> bool:
    """One round of ``fixing.apply_fixes`` (safe fixes) on ``texts``; whether it changed any."""
    by_target: dict[str, list[Finding]] = {}
    broken = {f.path for f in findings if f.code == "TVU001"}
    for finding in findings:
        if finding.code != "TVU001" and wanted(finding, unsafe=False):
            by_target.setdefault(fix_target(finding), []).append(finding)
    changed = False
    for display, group in sorted(by_target.items()):
        source = sources.get(display)
        if display in broken or source is None:
            continue
        try:
            old = texts[source.path] if source.path in texts else text_of(source.path)
            fixed = _fix(source, old, group, False, facts_of)
        except (OSError, UnicodeDecodeError, SyntaxError):  # as fixing.apply_fixes
            continue
        if fixed.changed and fixed.text != old:
            texts[source.path] = fixed.text
            changed = True
    return changed
