"""The file's text as libclang never sees it: views with comments and string contents
blanked (the only places where brackets lie), line and column arithmetic, bracket
matching, and byte ↔ character offsets.

Everything read inside a body or around a registration is read from these views with
regular expressions, which is faster than tokens and independent of how libclang
recovers from the undeclared names a body is full of.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

_NEXT = re.compile(r"""//|/\*|["']""")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_CHAR = re.compile(r"'(?:[^'\\\n]|\\.)*'")
_RAW = re.compile(r'R"([^()\\\s"]{0,16})\((.*?)\)\1"', re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")
_DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


@dataclass(frozen=True)
class _Views:
    code: str  # comments, string contents and preprocessor lines blanked
    nocomment: str  # comments blanked, strings kept
    strings: tuple[tuple[int, int, str], ...]  # (start, end, value) of each string literal
    unterminated: int  # offset of an unterminated block comment, or -1


def _blank(s: str) -> str:
    return _NOT_NEWLINE.sub(" ", s)


def _views(text: str) -> _Views:
    """One pass over comments and literals (the only places where brackets lie)."""
    code: list[str] = []
    nocomment: list[str] = []
    strings: list[tuple[int, int, str]] = []
    pos = 0
    search = _NEXT.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        at = m.start()
        token = m.group(0)
        if token == "//" or token == "/*":
            found = (_LINE_COMMENT if token == "//" else _BLOCK_COMMENT).match(text, at)
            if found is None:  # an unterminated block comment
                return _Views("", "", (), at)
            end = found.end()
            blank = _blank(text[at:end])
            code.append(text[pos:at] + blank)
            nocomment.append(text[pos:at] + blank)
            pos = end
            continue
        if token == "'":
            if at > 0 and text[at - 1].isalnum() and not _prefix(text, at):
                found = None  # a digit separator: 1'000'000
            else:
                found = _CHAR.match(text, at)
            if found is None:
                code.append(text[pos : at + 1])
                nocomment.append(text[pos : at + 1])
                pos = at + 1
                continue
            end = found.end()
            body = (at + 1, end - 1)
        else:
            raw = _RAW.match(text, at - 1) if at > 0 and text[at - 1] == "R" else None
            if raw is not None and _prefix(text, at - 1, raw=True):
                end = raw.end()
                body = (raw.start(2), raw.end(2))
            else:
                found = _STRING.match(text, at)
                if found is None:  # unterminated: libclang reports it
                    code.append(text[pos : at + 1])
                    nocomment.append(text[pos : at + 1])
                    pos = at + 1
                    continue
                end = found.end()
                body = (at + 1, end - 1)
            strings.append((at, end, text[body[0] : body[1]]))
        code.append(text[pos : body[0]] + _blank(text[body[0] : body[1]]) + text[body[1] : end])
        nocomment.append(text[pos:end])
        pos = end
    code.append(text[pos:])
    nocomment.append(text[pos:])
    code_text = _DIRECTIVE.sub(lambda m: _blank(m.group(0)), "".join(code))
    return _Views(code_text, "".join(nocomment), tuple(strings), -1)


def _prefix(text: str, at: int, raw: bool = False) -> bool:
    """``text[at]`` starts a literal: it follows a non-identifier or an encoding prefix."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:at] if not raw else text[start : at + 1]
    allowed = ("R", "u8R", "uR", "UR", "LR") if raw else ("", "u8", "u", "U", "L")
    return word in allowed


class _Lines:
    """Offsets ↔ (line, column), 1-based."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def pos(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def line_start(self, offset: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset of the newline ending the line (or the end of the text)."""
        index = self.text.find("\n", offset)
        return len(self.text) if index < 0 else index

    def indent(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start : self.line_end(offset)]
        return line[: len(line) - len(line.lstrip(" \t"))]


def _match_close(code: str, open_at: int, limit: int) -> int:
    """Offset of the bracket closing ``code[open_at]`` (or -1)."""
    depth = 0
    pairs = {"(": ")", "[": "]", "{": "}"}
    closers = set(pairs.values())
    for i in range(open_at, limit):
        ch = code[i]
        if ch in pairs:
            depth += 1
        elif ch in closers:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _statement_end(code: str, start: int, limit: int) -> int:
    """Offset just after the ``;`` ending the statement at ``start`` (depth 0), or -1."""
    i = start
    while i < limit:
        ch = code[i]
        if ch in "([{":
            close = _match_close(code, i, limit)
            if close < 0:
                return -1
            i = close + 1
            continue
        if ch == ";":
            return i + 1
        i += 1
    return -1


def _skip_space(code: str, i: int, limit: int) -> int:
    while i < limit and code[i].isspace():
        i += 1
    return i


def _brace_pairs(code: str) -> dict[int, int]:
    """``}`` offset → its ``{`` offset, for the whole file in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(code):
        if m.group(0) == "{":
            stack.append(m.start())
        elif stack:
            pairs[m.start()] = stack.pop()
    return pairs


_BRACE = re.compile(r"[{}]")


def _offset_maps(text: str, source: bytes) -> tuple[Any, Any]:
    """Byte offset → character offset and back (identity for ASCII files)."""
    if len(source) == len(text):
        return (lambda offset: offset), (lambda offset: offset)
    starts: list[int] = []
    position = 0
    for ch in text:
        starts.append(position)
        position += len(ch.encode("utf-8"))

    def to_char(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1 if offset < position else len(text)

    def to_byte(offset: int) -> int:
        return starts[offset] if offset < len(starts) else position

    return to_char, to_byte
