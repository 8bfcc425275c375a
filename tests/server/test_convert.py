"""Findings → LSP ranges, fixed text → edits, suppression comments."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tvusage_lint.core.findings import Finding
from tvusage_lint.frontends.server import actions, convert

UTF16 = types.PositionEncodingKind.Utf16
UTF8 = types.PositionEncodingKind.Utf8


def test_byte_columns_become_utf16_units() -> None:
    lines = convert.split_lines("x = 'é🙂'; nms(x)\n")
    # `nms` is character 10, byte 14 (é is 2 bytes, 🙂 is 4), UTF-16 unit 11 (🙂 is 2)
    at = convert.position(lines, 1, 15, UTF16)
    assert (at.line, at.character) == (0, 11)
    assert convert.position(lines, 1, 15, UTF8).character == 14
    assert convert.position(lines, 1, 15, types.PositionEncodingKind.Utf32).character == 10


def test_a_finding_without_extent_marks_the_rest_of_its_line() -> None:
    lines = convert.split_lines("def nms(x):  \n    return x\n")
    finding = Finding("a.py", 1, 1, "TVU102", "m")
    span = convert.finding_range(finding, lines, UTF16)
    assert (span.start.character, span.end.line, span.end.character) == (0, 0, 11)
    ranged = Finding("a.py", 2, 5, "TVU203", "m", end_line=2, end_column=11)
    span = convert.finding_range(ranged, lines, UTF16)
    assert (span.start.line, span.start.character, span.end.character) == (1, 4, 10)


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        start = starts[min(e.range.start.line, len(lines))] + e.range.start.character
        end = starts[min(e.range.end.line, len(lines))] + e.range.end.character
        text = text[:start] + e.new_text + text[end:]
    return text


def test_text_edits_replace_only_the_changed_lines() -> None:
    old = "import torch\n\n\ndef nms(x):\n    return x\n"
    new = "import torch\n\nfrom ..utils import _log_api_usage_once\n\n\ndef nms(x):\n    _log_api_usage_once(nms)\n    return x\n"
    edits = convert.text_edits(old, new, UTF16)
    # the common first and last lines are set aside before the diff: the import goes in
    # after the blank line both texts start with
    assert [(e.range.start.line, e.range.end.line) for e in edits] == [(2, 2), (4, 4)]
    assert _apply(old, edits) == new


def test_text_edits_at_the_end_of_a_file_without_its_last_newline() -> None:
    old = "a = 1\nb = 2"
    new = "a = 1\nb = 3\n"
    edits = convert.text_edits(old, new, UTF16)
    assert [(e.range.start.line, e.range.end.line, e.range.end.character) for e in edits] == [
        (1, 1, 5)
    ]
    assert _apply(old, edits) == new


def test_suppress_appends_or_merges_the_comment() -> None:
    finding = Finding("a.py", 2, 1, "TVU102", "m")
    text = "import torch\ndef nms(x):\n    return x\n"
    change = actions.suppress(finding, Path("a.py"), text)
    assert change is not None
    assert change.new.splitlines()[1] == "def nms(x):  # tvusage: ignore[TVU102]"
    merged = text.replace("(x):", "(x):  # tvusage: ignore[TVU203]")
    change = actions.suppress(finding, Path("a.py"), merged)
    assert change is not None
    assert change.new.splitlines()[1] == "def nms(x):  # tvusage: ignore[TVU203, TVU102]"


def test_suppress_in_cpp_and_where_a_comment_cannot_go() -> None:
    finding = Finding("nms.cpp", 1, 1, "TVU301", "m")
    change = actions.suppress(finding, Path("nms.cpp"), "at::Tensor nms() {\r\n}\r\n")
    assert change is not None
    assert change.new == "at::Tensor nms() {  // tvusage: ignore[TVU301]\r\n}\r\n"
    continued = Finding("a.py", 1, 1, "TVU102", "m")
    assert actions.suppress(continued, Path("a.py"), "x = 1 + \\\n    2\n") is None
    parse_error = Finding("a.py", 1, 1, "TVU001", "m")
    assert actions.suppress(parse_error, Path("a.py"), "def (\n") is None
