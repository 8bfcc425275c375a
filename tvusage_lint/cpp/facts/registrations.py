"""Operator and class registrations, read from the text: ``m.def``/``m.impl``-style
``.def(...)`` and ``.op(...)`` calls (a schema string, or a name and a function) and
``torch::class_<...>`` bindings, each with the namespace around it."""

from __future__ import annotations

import re
from typing import Any

from tvusage_lint.cpp.facts.declarations import _namespace_at
from tvusage_lint.cpp.facts.text import _Lines, _statement_end, _Views
from tvusage_lint.cpp.facts.types import (
    REG_CLASS,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    Registration,
)

_STR = r'(?:\b(?:u8|[uUL]))?"(?:[^"\\\n]|\\.)*"'
_STRS = rf"(?:{_STR}\s*)+"
_QNAME = r"(?:::\s*)?[A-Za-z_]\w*(?:\s*::\s*~?[A-Za-z_]\w*)*"
_WRAP = r"[A-Z_][A-Z0-9_]*\s*\(\s*"  # TORCH_SELECTIVE_SCHEMA( / TORCH_FN(
_REG_FN = re.compile(
    rf"\.\s*(?P<method>op|def)\s*\(\s*(?P<wrap>{_WRAP})?(?P<names>{_STRS})(?(wrap)\)\s*)"
    rf",\s*(?P<fnwrap>{_WRAP})?&?\s*(?P<fn>{_QNAME})\s*(?(fnwrap)\)\s*)[,)]"
)
_REG_SCHEMA = re.compile(rf"\.\s*def\s*\(\s*(?P<wrap>{_WRAP})?(?P<names>{_STRS})(?(wrap)\)\s*)\)")
_REG_CLASS = re.compile(rf"\bclass_\s*<\s*(?P<cls>{_QNAME})\s*>\s*\(")
_STR_VALUE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _strings_value(raw: str) -> str:
    return "".join(_STR_VALUE.findall(raw))


def _registrations(
    views: _Views, lines: _Lines, namespaces: list[tuple[int, int, str]], to_byte: Any
) -> tuple[Registration, ...]:
    text = views.nocomment
    code = views.code
    chains: list[tuple[int, int]] = []
    out: list[tuple[int, Registration]] = []
    for m in _REG_CLASS.finditer(text):
        end = _statement_end(code, m.end() - 1, len(code))
        chains.append((m.start(), end if end > 0 else len(code)))
        cls = re.sub(r"\s+", "", m.group("cls")).lstrip(":")
        scope = _namespace_at(namespaces, to_byte(m.start()))
        out.append((m.start(), Registration(REG_CLASS, cls, cls, scope, lines.line(m.start()))))

    def in_chain(offset: int) -> bool:
        return any(a <= offset < b for a, b in chains)

    for m in _REG_FN.finditer(text):
        if m.group("method") == "def" and in_chain(m.start()):
            continue  # a method of a torch::class_ binding, not an operator
        op = op_name(_strings_value(m.group("names")))
        target = re.sub(r"\s+", "", m.group("fn")).lstrip(":")
        scope = _namespace_at(namespaces, to_byte(m.start()))
        kind = REG_OP if m.group("method") == "op" else REG_DEF
        where = m.start()
        out.append((where, Registration(kind, op, target, scope, lines.line(where))))
    for m in _REG_SCHEMA.finditer(text):
        if in_chain(m.start()):
            continue
        op = op_name(_strings_value(m.group("names")))
        scope = _namespace_at(namespaces, to_byte(m.start()))
        where = m.start()
        reg = Registration(REG_SCHEMA, op, op_base(op), scope, lines.line(where))
        out.append((where, reg))
    out.sort(key=lambda item: item[0])
    return tuple(reg for _, reg in out)


def op_name(schema: str) -> str:
    """``torchvision::nms(Tensor dets, ...) -> Tensor`` → ``torchvision::nms``."""
    return schema.split("(", 1)[0].strip()


def op_base(op: str) -> str:
    """``torchvision::nms.overload`` → ``nms``."""
    return op_name(op).rsplit("::", 1)[-1].split(".", 1)[0].strip()
