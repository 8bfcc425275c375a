"""Functions and classes as facts: where a body starts, ``super().__init__``, early
returns, decorators, the calls a function returns, a class's bases."""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted, span_of
from tvusage_lint.python.facts.guards import early_return_kind
from tvusage_lint.python.facts.types import Decorator, FunctionFact


def base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):  # data.Dataset[T_co], Generic[T]
        node = node.value
    if isinstance(node, ast.Call):  # NamedTuple("X", ...) style bases
        node = node.func
    return dotted(node)


def _docstring_offset(body: list[ast.stmt]) -> int:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return 1
    return 0


def _is_super_init(stmt: ast.stmt) -> bool:
    """``super().__init__(...)``, ``super(C, self).__init__(...)``, ``Base.__init__(self, ...)``."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    return _is_super_init_call(stmt.value)


def _is_super_init_call(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return False
    target = func.value
    if isinstance(target, ast.Call) and dotted(target.func) == "super":
        return True
    if dotted(target) and call.args and dotted(call.args[0]) == "self":
        return True
    return False


# the fields of a statement that hold statements
BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(body: list[ast.stmt]):
    """Every statement of ``body`` and its blocks, not entering nested defs/classes."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in BLOCKS:
            block = getattr(stmt, field, None)
            if block:
                stack.extend(reversed(block))


def _returned_calls(body: list[ast.stmt]) -> tuple[str, ...]:
    """Dotted names of calls whose results a function returns (one level of locals)."""
    assigned: dict[str, list[str]] = {}
    returned: list[ast.expr] = []
    for stmt in _statements(body):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            returned.append(stmt.value)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            name = dotted(stmt.value.func)
            if name:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(name)
    out: list[str] = []
    for value in returned:
        if isinstance(value, ast.Call):
            name = dotted(value.func)
            if name:
                out.append(name)
        elif isinstance(value, ast.Name):
            out.extend(assigned.get(value.id, ()))
    return tuple(dict.fromkeys(out))


def function_fact(node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str) -> FunctionFact:
    body = node.body
    start = _docstring_offset(body)
    super_index = None
    early_index = None
    early_kind = ""
    for i in range(start, len(body)):
        stmt = body[i]
        if (
            super_index is None
            and node.name == "__init__"
            and any(_is_super_init(s) for s in _statements([stmt]))
        ):
            super_index = i
        if early_index is None:
            kind = early_return_kind(stmt)
            if kind:
                early_index, early_kind = i, kind
    preamble = start
    while preamble < len(body) and isinstance(body[preamble], (ast.Import, ast.ImportFrom)):
        preamble += 1
    calls_super = super_index is not None or (
        node.name == "__init__" and any(_is_super_init(stmt) for stmt in _statements(body))
    )
    decorators = []
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call):
            first = dotted(dec.args[0]) if dec.args else ""
            decorators.append(Decorator(dotted(dec.func), first))
        else:
            decorators.append(Decorator(dotted(dec), ""))
    first_line = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return FunctionFact(
        name=node.name,
        qualname=qualname,
        span=span_of(node),
        first_line=first_line,
        decorators=tuple(decorators),
        body_start=start,
        preamble_end=preamble,
        super_init_index=super_index,
        calls_super_init=calls_super,
        early_return_index=early_index,
        early_return_kind=early_kind,
        returns=_returned_calls(body) if not node.name.startswith("__") else (),
        calls=_called_names(node) if any(d.first_arg for d in decorators) else (),
    )


def _called_names(node: ast.AST) -> tuple[str, ...]:
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = dotted(sub.func)
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))
