"""Code actions: the fix ``--fix`` makes for one finding, a suppression comment, and
``source.fixAll.tvusage`` (safe fixes only, as ``check --fix`` on the file).

Fixes run the same fixers as ``--fix`` (``fix/python/`` with libcst, ``cpp/fix.py``)
on the editor's text, and the old → new text becomes line-wise edits. A fix may edit
another file than the one the finding is in (a missing call shared by several
subclasses goes into their in-tree base), as ``--fix`` does.

libcst takes about a third of a second per thousand lines, so a Python fix runs on an
*excerpt*: the file with every top-level ``def``/``class`` the fix does not touch
replaced by a string statement over the same lines (their extents come from the facts
of the check, so nothing is parsed twice; line numbers do not move). What the fixer
reads of a file outside the definition it edits (imports, the module docstring, other
top-level statements, whether the helper and ``torch`` are bound) is kept; its result
is verified on the excerpt as ``--fix`` verifies a whole file, and the stand-ins are
then replaced by the lines they stand for. When the facts do not match the text, a fix
has no target definition, or a stand-in was touched, the fix runs on the whole file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tvusage_lint.core.findings import Applicability, Finding
from tvusage_lint.files.discovery import SourceFile
from tvusage_lint.fix import FixResult, wanted
from tvusage_lint.fix.apply import fix_source
from tvusage_lint.python.facts import HELPER, PyFacts

UNFIXABLE_BY_COMMENT = ("TVU001", "TVU900")  # a parse error; a suppression itself
_PY_IGNORE = re.compile(r"#\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_CPP_IGNORE = re.compile(r"//\s*tvusage:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_MARKER = "tvusage-lint: excerpt, a definition from line "
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
            short, lines, blocks = cut
            fixed = fix_source(source, short, findings, unsafe=unsafe)
            whole = restore(fixed.text, lines, blocks) if fixed.changed else None
            if whole is not None:
                return FixResult(whole, fixed.applied, fixed.skipped)
    return fix_source(source, text, findings, unsafe=unsafe)


Block = tuple[int, list[str]]  # first row (0-based) of a definition left out, its stand-in


def excerpt(
    text: str, facts: PyFacts, findings: list[Finding]
) -> tuple[str, list[str], list[Block]] | None:
    """``text`` with each top-level definition no finding's fix targets or lies in
    replaced by a string statement over the same lines (one node for libcst, however
    long the definition), and likewise the other methods of a class whose method a fix
    targets; the lines of ``text`` and the blocks replaced; None when that cannot be
    done safely (``\\r`` line ends, facts of another text)."""
    heads = {HELPER, "torch"}  # the fixer asks whether the module binds these
    methods: dict[str, set[str] | None] = {}  # class → its methods fixes target (None: all)
    rows: set[int] = set()
    for finding in findings:
        target = finding.fix.target if finding.fix is not None else ""
        if not target or facts.error:
            return None
        head, _, method = target.partition(".")
        heads.add(head)
        kept = methods.setdefault(head, set())
        if kept is not None and method and "." not in method:
            kept.add(method)
        else:
            methods[head] = None
        rows.update((finding.line, finding.def_line or finding.line))
    if "\r" in text:
        return None
    lines = _LINES.findall(text)
    out = list(lines)
    blocks: list[Block] = []
    definitions = [(c.first_line, c.span.end_line, c.span.col, c.name) for c in facts.classes]
    definitions = [d for d, c in zip(definitions, facts.classes) if not c.nested]
    definitions += [(f.first_line, f.span.end_line, f.span.col, f.name) for f in facts.functions]
    before = 0  # rows checked for a statement of their own, so no block becomes a docstring
    code_before = False
    for first, last, col, name in sorted(definitions):
        if last > len(lines) or not lines[first - 1].startswith(_DEF_STARTS):
            return None  # the facts are not this text's
        code_before = code_before or any(_is_code(line) for line in lines[before : first - 1])
        before = max(before, last)
        if col != 0 or name in heads or any(first <= r <= last for r in rows):
            code_before = True
            kept = methods.get(name)
            if col == 0 and kept:
                blocks.extend(_other_methods(lines, first, last, kept, rows))
            continue
        if not code_before:
            continue
        blocks.append((first - 1, _stand_in(first - 1, lines[first - 1 : last])))
    if not blocks:
        return None
    blocks.sort()
    for row, stand_in in blocks:
        out[row : row + len(stand_in)] = stand_in
    return "".join(out), lines, blocks


def _other_methods(
    lines: list[str], first: int, last: int, kept: set[str], rows: set[int]
) -> list[Block]:
    """Stand-ins for the methods of the class on rows ``first``-``last`` (1-based) other
    than ``kept`` and those holding a finding's row: only that class is parsed."""
    try:
        tree = ast.parse("".join(lines[first - 1 : last]))
    except (SyntaxError, ValueError):
        return []
    cls = tree.body[0] if tree.body else None
    if not isinstance(cls, ast.ClassDef):
        return []
    out: list[Block] = []
    for i, stmt in enumerate(cls.body):
        if i == 0 or not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue  # the first statement would become the class docstring
        start = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)]) + first - 2
        end = (stmt.end_lineno or stmt.lineno) + first - 1
        if stmt.name in kept or any(start < r <= end for r in rows):
            continue
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        if not lines[start].lstrip().startswith(_DEF_STARTS):
            return []  # not the text the class was parsed from
        out.append((start, _stand_in(start, lines[start:end], indent)))
    return out


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _stand_in(row: int, block: list[str], indent: str = "") -> list[str]:
    """As many lines as ``block``: a string statement naming the row it starts at."""
    ending = block[-1][len(block[-1].rstrip("\n")) :]
    if len(block) == 1:
        return [f'{indent}"""{_MARKER}{row}"""{ending}']
    return [f'{indent}"""{_MARKER}{row}\n', *["\n"] * (len(block) - 2), f'"""{ending}']


def restore(fixed: str, lines: list[str], blocks: list[Block]) -> str | None:
    """The excerpt's fix with each stand-in replaced by the definition it stands for;
    None when the fixer touched one (missing, changed, repeated or out of order)."""
    new = _LINES.findall(fixed)
    out: list[str] = []
    todo = list(blocks)
    i = 0
    while i < len(new):
        line = new[i]
        if not line.lstrip(" \t").startswith(f'"""{_MARKER}'):
            out.append(line)
            i += 1
            continue
        if not todo:
            return None
        row, stand_in = todo.pop(0)
        if new[i : i + len(stand_in)] != stand_in:
            return None
        out.extend(lines[row : row + len(stand_in)])
        i += len(stand_in)
    return "".join(out) if not todo else None


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
    quick: Callable[[Finding], FileChange | None] | None = None,
) -> bool:
    """One round of ``fixing.apply_fixes`` (safe fixes) on ``texts``; whether it changed any.

    ``quick(finding)`` is the quick fix already computed for a finding, if any: a file with
    one safe finding takes it as its round when it was made from the same text, since
    ``quick_fix`` runs the same fix (its unsafe flag only picks findings)."""
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
            known = quick(group[0]) if quick is not None and len(group) == 1 else None
            if known is not None and known.old == old:
                new = known.new
            else:
                fixed = _fix(source, old, group, False, facts_of)
                new = fixed.text if fixed.changed else old
        except (OSError, UnicodeDecodeError, SyntaxError):  # as fixing.apply_fixes
            continue
        if new != old:
            texts[source.path] = new
            changed = True
    return changed
