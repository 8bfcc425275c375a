"""Stub declarations for the definitions libclang dropped.

A definition whose qualifier is declared in a header (``Video::Video(...)``) is
dropped by a parse without headers; the names libclang reports as undeclared
outside every definition it kept are declared (as a struct, a template or a
namespace with the members the file uses) for a second parse.
"""

from __future__ import annotations

import re
from typing import Any

from tvusage_lint.cpp.facts.declarations import _namespace_at, _Parsed
from tvusage_lint.cpp.facts.text import _match_close

_UNDECLARED = re.compile(r"^use of undeclared identifier '([A-Za-z_]\w*)'$")


_QUALIFIED = re.compile(r"(?<![\w:])([A-Za-z_]\w*)\s*::\s*([A-Za-z_]\w*)\s*(<|::|\()?")


def _qualified_uses(code: str) -> dict[str, dict[str, str]]:
    """``A::B`` uses: for each ``A``, what each ``B`` looks like (template, type, scope, call)."""
    uses: dict[str, dict[str, str]] = {}
    for m in _QUALIFIED.finditer(code):
        scope, member, after = m.groups()
        kinds = uses.setdefault(scope, {})
        if after == "(":
            kinds.setdefault(member, "")
        elif after == "::":
            kinds[member] = "namespace"
            # the chain goes on: ``at::cuda::getCurrentCUDAStream``
            rest = _QUALIFIED.match(code, m.start(2))
            if rest is not None:
                sub = uses.setdefault(member, {})
                if rest.group(3) == "<":
                    sub.setdefault(rest.group(2), "template")
                elif rest.group(3) is None:
                    sub.setdefault(rest.group(2), "struct")
        elif after == "<":
            if kinds.get(member) != "namespace":
                kinds[member] = "template"
        elif not kinds.get(member):
            kinds[member] = "struct"
    return uses


def _member_uses(uses: dict[str, dict[str, str]], scope: str, depth: int) -> str:
    """Declarations for the members of ``scope`` the file uses."""
    parts = []
    for member, kind in sorted(uses.get(scope, {}).items()):
        if kind == "template":
            parts.append(f"template <class...> struct {member} {{}};")
        elif kind == "struct":
            parts.append(f"struct {member} {{}};")
        elif kind == "namespace" and depth < 3:
            parts.append(f"namespace {member} {{ {_member_uses(uses, member, depth + 1)} }}")
    return " ".join(parts)


def _stub_declarations(
    parsed: _Parsed, code: str, to_char: Any, namespaces: list[tuple[int, int, str]]
) -> list[str]:
    """Declarations that let a second parse keep what the first one dropped.

    Only names libclang reported as undeclared *outside* every definition it
    kept are declared: those errors are where a definition went missing.
    """
    kept = [(r[3], r[5]) for r in parsed.functions]
    uses: dict[str, dict[str, str]] | None = None
    out: list[str] = []
    seen: set[str] = set()
    for message, offset in parsed.diagnostics:
        m = _UNDECLARED.match(message)
        if m is None or offset < 0 or any(a <= offset <= b for a, b in kept):
            continue
        name = m.group(1)
        at = to_char(offset)
        if code[at : at + len(name)] != name or not _opens_body(code, at):
            continue
        rest = code[at + len(name) :].lstrip()
        if rest.startswith("::"):
            chain = re.match(rf"{name}(?:\s*::\s*~?[A-Za-z_]\w*)+\s*\(", code[at:])
            if chain is not None and chain.group(0).count("::") == 1:
                scope = _namespace_at(namespaces, offset)
                decl = f"struct {name} {{}};"
                for part in reversed(scope.split("::") if scope else []):
                    decl = f"namespace {part} {{ {decl} }}"
            else:
                if uses is None:
                    uses = _qualified_uses(code)
                decl = f"namespace {name} {{ {_member_uses(uses, name, 0)} }}"
        elif rest.startswith("<"):
            decl = f"template <class...> struct {name} {{}};"
        else:
            decl = f"struct {name} {{}};"
        if decl not in seen:
            seen.add(decl)
            out.append(decl)
    return out


_BODY_INTRO = re.compile(r"(?:\)|\bconst|\bnoexcept|\boverride|\bfinal)\s*$")


def _opens_body(code: str, at: int) -> bool:
    """The declaration around ``at`` goes on to a function body, not to a ``;``."""
    i = at
    limit = min(len(code), at + 4000)
    while i < limit:
        ch = code[i]
        if ch in "([":
            close = _match_close(code, i, limit)
            if close < 0:
                return False
            i = close + 1
            continue
        if ch == ";" or ch == "}":
            return False
        if ch == "{":
            head = code[at:i]
            return bool(_BODY_INTRO.search(head)) or bool(re.search(r"\)\s*:", head))
        i += 1
    return False
