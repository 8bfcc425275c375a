"""Small pieces of the standard ``ast`` that every fact extractor shares.

It sits below ``facts`` and ``layers`` so that both can import it and neither
imports the other's internals: spans, dotted names and walks that stop at
nested definitions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
BLOCKS = ("body", "orelse", "finalbody")  # the statement lists of a compound statement


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    col: int  # 0-based, as ast gives it
    end_line: int
    end_col: int


def span_of(node: ast.AST) -> Span:
    return Span(
        node.lineno,  # type: ignore[attr-defined]
        node.col_offset,  # type: ignore[attr-defined]
        getattr(node, "end_lineno", None) or node.lineno,  # type: ignore[attr-defined]
        getattr(node, "end_col_offset", None) or node.col_offset,  # type: ignore[attr-defined]
    )


def dotted(node: ast.AST | None) -> str:
    """``a.b.c`` for names and attribute chains, "" for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def final(name: str) -> str:
    """The last part of a dotted name: ``nn.Conv2d`` → ``Conv2d``."""
    return name.rpartition(".")[2]


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """The argument at position ``index`` or given as ``name=``."""
    return call.args[index] if len(call.args) > index else kwarg(call, name)


def is_super_init(call: ast.Call) -> bool:
    """``super().__init__(...)``."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and dotted(func.value.func) == "super"
    )


def first_line(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The first decorator's line, else the ``def``/``class`` line."""
    return min([d.lineno for d in node.decorator_list] + [node.lineno])


def docstring_count(body: list[ast.stmt]) -> int:
    """1 when ``body`` opens with a docstring, else 0."""
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return 1
    return 0


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body``, not entering nested definitions or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*DEFS, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` and its blocks, not entering nested definitions."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (*DEFS, ast.ClassDef)):
            continue
        for field in BLOCKS:
            yield from own_statements(getattr(stmt, field, None) or [])
        for part in getattr(stmt, "handlers", None) or getattr(stmt, "cases", None) or ():
            yield from own_statements(part.body)
