"""Text that would overflow libclang's stack, refused before it is parsed.

libclang parses on a thread with an 8 MB stack and recurses once per level of
an expression, so a checkout can crash the whole run (a segmentation fault,
not an exception: its crash recovery cannot run on an overflowed stack). Found
by fuzzing (libclang 18.1.1): about 1,500 nested casts ``(int)(int)...x``,
7,000 unary minus signs, 10,000 ``else if`` branches or comma operators,
50,000 ``+`` in one expression, and 10,000 nested macro arguments
``X(X(...))`` (the preprocessor has no bracket limit) each crash it.

So before parsing, the tool measures what makes libclang recurse:

- bracket nesting, refused beyond 256 (clang's own ``-fbracket-depth``, so
  nothing clang would accept is refused);
- operators in one statement (text between ``;``, ``{`` and ``}``; commas
  count only inside parentheses, where they may be comma operators), refused
  beyond 1,000: the most in the csrc of torchvision 0.17 and of main (2026)
  is 134;
- ``else if`` branches in one file, refused beyond 1,000 (the most: 7).
"""

from __future__ import annotations

import re

MAX_BRACKETS = 256
MAX_OPERATORS = 1000
MAX_ELSE_IF = 1000

_TOKEN = re.compile(
    r"\.?\d(?:[eEpP][-+]|[\w.'])*"  # a number (``1.0f``, ``1e-5``): its dot and sign are no operators
    r"|[-+*/%<>=!&|^~?.:\[\]]"
    r"|[(),]"
    r"|\b(?:sizeof|alignof|not|and|or|xor|bitand|bitor|compl|throw|new|delete"
    r"|co_await|co_yield|typeid|noexcept)\b"
)
_BRACKET = re.compile(r"[()\[\]{}]")
_NOT_BRACKET = re.compile(r"[^()\[\]{}]+")
_STATEMENT_ENDS = str.maketrans("{}", ";;")
_EXPRESSION_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(?:if|elif|define)\b(?:[^\n]*\\\n)*[^\n]*", re.M)
_ELSE_IF = re.compile(r"\belse\s+if\b")
_OPEN = "([{"


def hazard(code: str, nocomment: str) -> tuple[int, str] | None:
    """(character offset, one-line reason) of the first thing libclang could not survive.

    ``code`` is the text with comments, string contents and preprocessor lines
    blanked (macro arguments are on code lines, so they are measured too);
    ``nocomment`` has only comments blanked: its ``#if``/``#elif``/``#define``
    lines are measured one by one (``#if`` expressions are evaluated recursively).
    """
    for m in _EXPRESSION_DIRECTIVE.finditer(nocomment):
        found = _measure(m.group(0))
        if found is not None:
            return m.start() + found[0], found[1]
    return _measure(code)


def _measure(code: str) -> tuple[int, str] | None:
    if _too_deep(_NOT_BRACKET.sub("", code)):
        depth = 0
        for m in _BRACKET.finditer(code):
            depth = depth + 1 if m.group(0) in _OPEN else max(0, depth - 1)
            if depth > MAX_BRACKETS:
                return m.start(), f"brackets nested deeper than {MAX_BRACKETS}"
    statements = code.translate(_STATEMENT_ENDS).split(";")
    # a statement with more operators than the limit has more characters too
    if max(map(len, statements)) > MAX_OPERATORS:
        start = 0
        for statement in statements:
            if len(statement) > MAX_OPERATORS:
                found = _operators(code, start, start + len(statement))
                if found >= 0:
                    return found, f"more than {MAX_OPERATORS} operators in one statement"
            start += len(statement) + 1
    branches = 0
    for m in _ELSE_IF.finditer(code):
        branches += 1
        if branches > MAX_ELSE_IF:
            return m.start(), f"more than {MAX_ELSE_IF} `else if` branches"
    return None


def _too_deep(brackets: str) -> bool:
    depth = 0
    for char in brackets:
        if char in _OPEN:
            depth += 1
            if depth > MAX_BRACKETS:
                return True
        elif depth:
            depth -= 1
    return False


def _operators(code: str, start: int, end: int) -> int:
    """Offset of the operator over the limit in ``code[start:end]``, or -1."""
    parens = 0  # commas inside parentheses may be comma operators
    operators = 0
    for m in _TOKEN.finditer(code, start, end):
        token = m.group(0)
        if token[0].isdigit() or (len(token) > 1 and token[0] == "."):
            continue
        if token == ")":
            parens = max(0, parens - 1)
            continue
        if token == "(":
            parens += 1
        elif token == "," and not parens:
            continue
        operators += 1
        if operators > MAX_OPERATORS:
            return m.start()
    return -1
