"""Apply C++ fixes: the offset edits the rules computed, verified by a re-parse.

The rules already know where a statement goes and how it is indented (from
the facts), so a fix here is plain text surgery. What this module adds is the
safety net: edits of different findings must not overlap, and the new text
must parse with no error libclang did not already report on the old one
(both parsed the same way, feature configurations included); otherwise the
text is returned unchanged and every finding is reported as skipped.
"""

from __future__ import annotations

from collections import Counter

from tvusage_lint.core.findings import Edit, Finding
from tvusage_lint.fix import FixResult, wanted

OVERLAP = "overlaps another fix; run the fixer again"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]  # two insertions at one place: their order is unknown
    return a[0] < b[1] and b[0] < a[1]


def fix_text(text: str, findings: list[Finding], *, unsafe: bool, filename: str = "") -> FixResult:
    """``text`` with the wanted fixes of ``findings`` applied (all of them, or none)."""
    result = FixResult(text=text)
    chosen: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for finding in sorted(findings, key=lambda f: (f.line, f.column, f.code)):
        fix = finding.fix
        if fix is None or not fix.edits or not wanted(finding, unsafe):
            continue
        spans = [(edit.start, edit.end) for edit in fix.edits]
        if any(not 0 <= start <= end <= len(text) for start, end in spans):
            result.skipped.append((finding, "the file changed since it was checked"))
            continue
        if any(_overlaps(span, other) for span in spans for other in taken):
            result.skipped.append((finding, OVERLAP))
            continue
        chosen.append(finding)
        taken.extend(spans)
    if not chosen:
        return result
    edits: list[Edit] = [edit for finding in chosen for edit in finding.fix.edits]  # type: ignore[union-attr]
    new = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        new = new[: edit.start] + edit.replacement + new[edit.end :]
    reason = _broken(text, new, filename or (chosen[0].path if chosen else ""))
    if reason:
        result.skipped.extend((finding, reason) for finding in chosen)
        return result
    result.text = new
    result.applied.extend(chosen)
    return result


def _broken(old: str, new: str, filename: str) -> str:
    """Why ``new`` may not replace ``old`` ("" when it parses as well as ``old``)."""
    from tvusage_lint.cpp.facts import errors

    name = filename or "input.cpp"
    old_error, old_messages = errors(old, name)
    new_error, new_messages = errors(new, name)
    if new_error and not old_error:
        return f"the fixed file does not parse ({new_error})"
    added = Counter(new_messages) - Counter(old_messages)
    if added:
        first = sorted(added)[0]
        return f"the fixed file has a new libclang error: {first}"
    return ""
