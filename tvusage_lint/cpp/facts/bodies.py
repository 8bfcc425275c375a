"""What is inside a function body: its ``C10_LOG_API_USAGE_ONCE`` calls (with the
event string and what to delete when one moves), whether it is a stub that only
raises, and where a new first statement goes."""

from __future__ import annotations

import bisect
import re
from typing import Any

from tvusage_lint.cpp.facts.text import (
    _Lines,
    _match_close,
    _skip_space,
    _statement_end,
    _Views,
)
from tvusage_lint.cpp.facts.types import MACRO, Function, LogCall

_MACRO_CALL = re.compile(rf"\b{MACRO}\b")
_RAISING_MACRO = re.compile(r"[A-Z][A-Z0-9_]*(?:_ERROR|THROW[A-Z0-9_]*)\b")


def _is_stub(code: str, first: int, close: int) -> bool:
    """The body only raises: ``throw``, ``TORCH_CHECK(false, ...)``, ``AT_ERROR(...)``.

    Statements after the raise may only be ``return``s (to silence warnings).
    """
    i = _skip_space(code, first, close)
    raised = False
    while i < close:
        rest = code[i:close]
        if rest.startswith("throw") and not rest[5:6].isidentifier():
            end = _statement_end(code, i, close)
            if end < 0:
                return False
            raised, i = True, end
        elif raised and rest.startswith("return") and not rest[6:7].isidentifier():
            end = _statement_end(code, i, close)
            if end < 0:
                return False
            i = end
        else:
            m = re.match(r"(?:::)?[A-Za-z_][\w:]*\s*\(", rest)
            if m is None:
                return False
            paren = i + m.end() - 1
            end = _match_close(code, paren, close)
            if end < 0:
                return False
            args = code[paren + 1 : end].strip()
            name = m.group(0)[:-1].strip()
            first_arg = re.split(r"[,)]", args + ")", maxsplit=1)[0].strip()
            if first_arg not in ("false", "0") and not _RAISING_MACRO.fullmatch(name):
                return False
            raised = True
            i = _skip_space(code, end + 1, close)
            if i < close and code[i] == ";":
                i += 1
        i = _skip_space(code, i, close)
    return raised


def _log_calls(
    text: str, views: _Views, lines: _Lines, open_at: int, close: int, first: int
) -> tuple[LogCall, ...]:
    code = views.code
    calls: list[LogCall] = []
    for m in _MACRO_CALL.finditer(code, open_at + 1, close):
        paren = _skip_space(code, m.end(), close)
        if paren >= close or code[paren] != "(":
            continue
        end_paren = _match_close(code, paren, close)
        if end_paren < 0:
            continue
        end = end_paren + 1
        after = _skip_space(code, end, close)
        if after < close and code[after] == ";":
            end = after + 1
        arg_start = _skip_space(code, paren + 1, end_paren)
        arg_end = end_paren
        while arg_end > arg_start and code[arg_end - 1].isspace():
            arg_end -= 1
        event = _string_value(views, code, arg_start, arg_end)
        line, column = lines.pos(m.start())
        end_line, end_column = lines.pos(end)
        arg_line, arg_column = lines.pos(arg_start)
        arg_end_line, arg_end_column = lines.pos(arg_end)
        line_start = lines.line_start(m.start())
        line_end = lines.line_end(end)
        alone = not code[line_start : m.start()].strip() and not text[end:line_end].strip()
        if alone:
            removal = (line_start, min(line_end + 1, len(text)))
        else:
            tail = end
            while tail < line_end and text[tail] in " \t":
                tail += 1
            removal = (m.start(), tail)
        calls.append(
            LogCall(
                start=m.start(),
                end=end,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                arg_start=arg_start,
                arg_end=arg_end,
                arg_line=arg_line,
                arg_column=arg_column,
                arg_end_line=arg_end_line,
                arg_end_column=arg_end_column,
                event=event,
                first=m.start() == first,
                removal_start=removal[0],
                removal_end=removal[1],
                arg_text=text[arg_start:arg_end],
            )
        )
    return tuple(calls)


def _string_value(views: _Views, code: str, start: int, end: int) -> str | None:
    """The value of the argument when it is only (adjacent) string literals."""
    if start >= end:
        return None
    starts = [s[0] for s in views.strings]
    i = bisect.bisect_left(starts, start)
    parts: list[str] = []
    pos = start
    while i < len(views.strings) and views.strings[i][0] < end:
        s_start, s_end, value = views.strings[i]
        if code[pos:s_start].strip():
            return None
        parts.append(value)
        pos = s_end
        i += 1
    if not parts or code[pos:end].strip():
        return None
    return "".join(parts)


def _insertion(
    text: str, code: str, lines: _Lines, def_start: int, open_at: int, close: int, first: int
) -> tuple[int, int, str, str, str, bool]:
    """Where and how a new first statement goes: (start, end, prefix, suffix, indent, inline)."""
    newline = "\r\n" if "\r\n" in text[: lines.line_end(def_start) + 1] else "\n"
    def_indent = lines.indent(def_start)
    open_line_end = lines.line_end(open_at)
    if first < close and not code[lines.line_start(first) : first].strip():
        indent = lines.indent(first)
    else:
        indent = def_indent + "  "
    if first >= close:  # empty body
        if open_line_end < close:
            start = open_line_end + 1
            return start, start, indent, newline, indent, False
        return open_at + 1, close, newline + indent, newline + def_indent, indent, False
    if not code[open_at + 1 : open_line_end].strip() and open_line_end < close:
        start = open_line_end + 1
        return start, start, indent, newline, indent, False
    return open_at + 1, open_at + 1, " ", "", indent, True


def _function_fact(
    record: tuple[Any, ...],
    text: str,
    views: _Views,
    lines: _Lines,
    to_char: Any,
    braces: dict[int, int],
) -> Function | None:
    name, scope, kind, start, name_at, end = record
    start, name_at, end = to_char(start), to_char(name_at), to_char(end)
    code = views.code
    close = end - 1
    if close < 0 or code[close] != "}":
        return None  # ``= default``, a function-try-block: no plain body to look at
    open_at = braces.get(close, -1)
    if open_at < start:
        return None
    first = _skip_space(code, open_at + 1, close)
    insert = _insertion(text, code, lines, start, open_at, close, first)
    name_line, name_column = lines.pos(name_at)
    return Function(
        name=name,
        qualname=f"{scope}::{name}" if scope else name,
        kind=kind,
        scope=scope,
        line=lines.line(start),
        name_line=name_line,
        name_column=name_column,
        body_open=open_at,
        body_close=close,
        insert_start=insert[0],
        insert_end=insert[1],
        insert_prefix=insert[2],
        insert_suffix=insert[3],
        indent=insert[4],
        inline=insert[5],
        stub=_is_stub(code, first, close),
        logs=_log_calls(text, views, lines, open_at, close, first),
    )
