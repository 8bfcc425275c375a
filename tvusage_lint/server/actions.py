"""Code actions: the fix ``--fix`` makes for one finding, a suppression comment, and
``source.fixAll.tvusage`` (safe fixes only, as ``check --fix`` on the file).

Fixes run the same fixers as ``--fix`` (``fix/python.py`` with libcst, ``cpp/fix.py``)
on the editor's text, and the old → new text becomes line-wise edits. A fix may edit
another file than the one the finding is in (a missing call shared by several
subclasses goes into their in-tree base), as ``--fix`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tvusage_lint.discovery import SourceFile
from tvusage_lint.findings import Applicability, Finding
from tvusage_lint.fix import wanted
from tvusage_lint.fixing import fix_source

UNFIXABLE_BY_COMMENT = ("TVU001", "TVU900")  # a parse error; a suppression itself
_PY_IGNORE = re.compile(r"#\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_CPP_IGNORE = re.compile(r"//\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)


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
    finding: Finding, sources: Mapping[str, SourceFile], text_of: Callable[[Path], str]
) -> FileChange | None:
    """The edit ``--fix`` (``--unsafe-fixes`` for an unsafe fix) makes for ``finding``."""
    if finding.fix is None:
        return None
    source = sources.get(fix_target(finding))
    if source is None:
        return None
    try:
        old = text_of(source.path)
        fixed = fix_source(source, old, [finding], unsafe=True)
    except (OSError, UnicodeDecodeError, SyntaxError):  # as --fix: that file is not fixed
        return None
    if not fixed.changed or fixed.text == old:
        return None
    return FileChange(source.path, old, fixed.text)


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
            fixed = fix_source(source, old, group, unsafe=False)
        except (OSError, UnicodeDecodeError, SyntaxError):  # as fixing.apply_fixes
            continue
        if fixed.changed and fixed.text != old:
            texts[source.path] = fixed.text
            changed = True
    return changed
