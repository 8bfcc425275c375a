"""The preprocessor, as far as facts need it: ``#include`` lines blanked before parsing (a
missing header must not be a fatal error), and the feature macros the ``#if`` branches
test (when parsing every branch at once breaks the structure, the file is parsed with
them undefined and with all of them defined)."""

from __future__ import annotations

import re

_INCLUDE = re.compile(rb"^[ \t]*#[ \t]*(?:include|include_next|import)\b[^\n]*", re.M)
_BRANCH = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|endif)\b", re.M)


def _blank_includes(source: bytes) -> bytes:
    """``source`` with each ``#include`` line blanked, same length (offsets stay true)."""
    return _INCLUDE.sub(lambda m: b" " * len(m.group(0)), source)


_CONDITION = re.compile(
    r"^[ \t]*#[ \t]*(?P<kw>if|elif|ifdef|ifndef|elifdef|elifndef|define)\b"
    r"(?P<rest>(?:[^\n]*\\\n)*[^\n]*)",
    re.M,
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_FEATURES = {"__cplusplus", "true", "false", "and", "or", "not"}
_DEFINED = re.compile(r"\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))")
_MACRO_ARGS = re.compile(r"[A-Za-z_]\w*\s*\([^()]*\)")


def feature_macros(nocomment: str) -> list[str]:
    """Macros the file's ``#if``s test and the file does not define itself (sorted)."""
    tested: set[str] = set()
    defined: set[str] = set()
    for m in _CONDITION.finditer(nocomment):
        kw, rest = m.group("kw"), m.group("rest")
        if kw == "define":
            name = _IDENT.match(rest.strip())
            if name:
                defined.add(name.group(0))
            continue
        rest = _DEFINED.sub(lambda d: f" {d.group(1) or d.group(2)} ", rest)
        while True:  # drop the arguments of function-like macros: __has_include(<png.h>)
            shorter = _MACRO_ARGS.sub(" ", rest)
            if shorter == rest:
                break
            rest = shorter
        for ident in _IDENT.finditer(rest):
            word = ident.group(0)
            if word not in _NOT_FEATURES:
                tested.add(word)
    return sorted(tested - defined)
