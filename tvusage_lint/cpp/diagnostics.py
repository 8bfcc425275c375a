"""libclang's errors without torch's headers: which ones say the file cannot compile.

Torch, ATen and the standard library are absent where the tool runs, so every
real csrc file has hundreds of errors (docs/cpp-design.md). Most are semantic
("use of undeclared identifier", "unknown type name", "no member named ... in
namespace ...") and only say that a header is missing. Some parse errors
follow from those names too: ``TORCH_CHECK(ok, "...")`` with no ``;`` (a macro
that ends in a statement) is "expected ';' after expression", ``class A :
public B`` with ``B`` from a header is "expected class name".

A diagnostic is a *real* error, one that makes a file unfit for ``--fix``, when

- it breaks the structure whatever the headers say: an unresolved
  version-control conflict marker, an unterminated ``#if``, comment or
  literal, ``#else``/``#endif`` out of place, "expected '}'", an extraneous
  closing brace; or
- it is a parse or preprocessor error (libclang's categories "Parse Issue" and
  "Lexical or Preprocessor Issue") that no unresolved name explains: no name
  libclang could not resolve (anywhere in the file) is written in the
  statement that ends where the error is, no CUDA launch ``<<<`` is there, and
  the statement is not an upper-case macro call left without ``;``.

Everything else (semantic issues, ``#error``, a missing include) is expected.
Known gap: a real missing ``;`` in a statement that also uses an unresolved
name (``at::Tensor x = f(y)`` with no ``;``) is taken for a header effect; the
fix's own check (libclang's errors before and after) still guards such a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# libclang's category numbers (clang/Basic/DiagnosticCategories), stable across releases
LEXICAL = 1  # "Lexical or Preprocessor Issue"
PARSE = 3  # "Parse Issue"

_ALWAYS_REAL = re.compile(
    r"^(?:expected '\}'|extraneous closing brace|unterminated |missing terminating"
    r"|version control conflict marker"
    r"|#(?:else|elif|endif)\b.* without #if|#(?:else|elif)\b.* after #else)"
)
_EXPECTED = re.compile(r"file not found$")
# messages that name (or point at) a name libclang could not resolve
_UNRESOLVED = re.compile(
    r"^(?:use of undeclared identifier '(\w+)'"
    r"|unknown type name '(\w+)'"
    r"|unknown template name '(\w+)'"
    r"|no (?:member|type|template) named '(\w+)'"
    r"|no type or protocol named '(\w+)'"
    r"|'(\w+)' does not refer to a value"
    r"|unexpected namespace name '(\w+)'"
    r"|use of undeclared '(\w+)')"
)
_NAMELESS = re.compile(r"^expected (?:namespace|class) name$")  # the name is at the offset
_WORD = re.compile(r"[A-Za-z_]\w*")
# ``TORCH_CHECK(ok, "...")`` with no ``;``: a macro (by the upper-case convention) from a
# missing header that ends in a statement; clang resolves an unknown callee only at the
# ``;``, so no "undeclared identifier" names it
_MACRO_STATEMENT = re.compile(r"\s*[A-Z][A-Z0-9_]*\s*\(.*\)\s*", re.S)
_STATEMENT_END = re.compile(r"[;{}()]")


def located(category: int, message: str) -> bool:
    """Whether ``real_errors`` needs the diagnostic's position (most are semantic and
    need none; a position costs libclang calls)."""
    return category in (LEXICAL, PARSE) or _UNRESOLVED.match(message) is not None


def real_errors(
    diagnostics: Sequence[tuple[str, int]],
    categories: Sequence[int],
    code: str,
    to_char: Callable[[int], int],
) -> list[tuple[int, str]]:
    """(byte offset, message) of the real errors among one parse's diagnostics.

    ``diagnostics`` are (message, byte offset or -1) pairs of errors, ``categories``
    their libclang category numbers, ``code`` the file with comments, string
    contents and preprocessor lines blanked (character offsets).
    """
    names: set[str] = set()
    points: list[int] = []
    for message, offset in diagnostics:
        m = _UNRESOLVED.match(message)
        if m is not None:
            names.add(next(g for g in m.groups() if g))
        elif not _NAMELESS.match(message):
            continue
        if offset >= 0:
            at = to_char(offset)
            points.append(at)
            word = _WORD.match(code, at)
            if word is not None:
                names.add(word.group(0))
    real: list[tuple[int, str]] = []
    for (message, offset), category in zip(diagnostics, categories):
        if _ALWAYS_REAL.match(message):
            real.append((offset, message))
        elif category not in (LEXICAL, PARSE) or _EXPECTED.search(message):
            continue
        elif _UNRESOLVED.match(message) or _NAMELESS.match(message):
            continue
        elif offset < 0 or not _explained(code, to_char(offset), names, points):
            real.append((offset, message))
    return real


def _explained(code: str, at: int, names: set[str], points: list[int]) -> bool:
    """Whether the statement that ends at ``at`` uses a name libclang could not resolve."""
    start = max(0, at - 4000)
    depth = 0  # braces inside parentheses are initializer lists or lambdas, not statements
    for m in _STATEMENT_END.finditer(code, start, at):
        token = m.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            start = m.end()
    if any(start <= p <= at for p in points):
        return True
    word = _WORD.match(code, at)
    span = code[start : word.end() if word is not None else at]
    if "<<<" in code[start : at + 3] or _MACRO_STATEMENT.fullmatch(span):
        return True
    return any(w in names for w in _WORD.findall(span))
