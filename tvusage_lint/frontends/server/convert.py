"""Findings and fixed text in the language server protocol's terms.

Finding columns count UTF-8 bytes from 1 (as ``check`` prints them); LSP positions
count from 0 in the encoding the client and server agreed on (UTF-16 unless both
prefer another). Fixed text becomes line-wise ``TextEdit``s: only the lines a fix
changes are replaced, so a client keeps the cursor and folds elsewhere.
"""

from __future__ import annotations

import difflib
import functools
import re

from lsprotocol import types

from tvusage_lint.core.findings import Finding
from tvusage_lint.output import pages

SOURCE = "tvusage-lint"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINES_WITH_ENDS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines as both Python's tokenizer and LSP count them (``\\n``, ``\\r\\n``, ``\\r``)."""
    return _LINE_BREAK.split(text)


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in the code units of a position encoding."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def position(lines: list[str], line: int, byte_column: int, encoding: str) -> types.Position:
    """A finding's 1-based line and 1-based UTF-8 column as an LSP position."""
    row = max(line - 1, 0)
    if row >= len(lines):
        return types.Position(line=len(lines), character=0)
    prefix = lines[row].encode("utf-8")[: max(byte_column - 1, 0)]
    return types.Position(
        line=row, character=units(prefix.decode("utf-8", errors="ignore"), encoding)
    )


def finding_range(finding: Finding, lines: list[str], encoding: str) -> types.Range:
    """The finding's span; a finding with no extent of its own marks the rest of its line."""
    start = position(lines, finding.line, finding.column, encoding)
    if finding.end_line and (finding.end_line, finding.end_column) > (
        finding.line,
        finding.column,
    ):
        end = position(lines, finding.end_line, finding.end_column, encoding)
    else:
        text = lines[start.line] if start.line < len(lines) else ""
        end = types.Position(line=start.line, character=units(text.rstrip(), encoding))
        if end.character <= start.character:
            end = types.Position(line=start.line, character=units(text, encoding))
    return types.Range(start=start, end=end)


@functools.cache
def page_uri(code: str) -> str | None:
    """The rule's page (``tvusage-lint explain CODE``) as a file URI."""
    try:
        page = pages.folder() / f"{code}.md"
    except FileNotFoundError:
        return None
    return page.resolve().as_uri() if page.is_file() else None


def finding_key(finding: Finding) -> list[object]:
    """What a diagnostic carries in ``data`` to find its finding again for a code action."""
    return [finding.line, finding.column, finding.code, finding.symbol]


def diagnostic(finding: Finding, lines: list[str], encoding: str) -> types.Diagnostic:
    href = page_uri(finding.code)
    return types.Diagnostic(
        range=finding_range(finding, lines, encoding),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning
        if finding.severity == "warning"
        else types.DiagnosticSeverity.Error,
        code=finding.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == "TVU900" else None,
        data={"key": finding_key(finding), "fixable": finding.fixable},
    )


def _line_start(lines: list[str], index: int, encoding: str) -> types.Position:
    """The start of line ``index`` of ``lines`` (kept with their ends); past the last
    line, the end of the text."""
    if index < len(lines) or not lines or lines[-1].endswith(("\n", "\r")):
        return types.Position(line=index, character=0)
    return types.Position(line=len(lines) - 1, character=units(lines[-1], encoding))


@functools.lru_cache(maxsize=32)
def text_edits(old: str, new: str, encoding: str) -> tuple[types.TextEdit, ...]:
    """Line-wise edits that turn ``old`` into ``new`` (all relative to ``old``).

    The lines both texts start and end with are set aside before the diff: a fix
    changes a few lines of a file that may have thousands. Memoised: a light bulb asks
    for the same fix again at every cursor move (strings keep their hash)."""
    a = _LINES_WITH_ENDS.findall(old)
    b = _LINES_WITH_ENDS.findall(new)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    edits: list[types.TextEdit] = []
    matcher = difflib.SequenceMatcher(
        None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        replacement = "".join(b[head + j1 : head + j2])
        start = _line_start(a, head + i1, encoding)
        end = _line_start(a, head + i2, encoding)
        edits.append(types.TextEdit(range=types.Range(start=start, end=end), new_text=replacement))
    return tuple(edits)
