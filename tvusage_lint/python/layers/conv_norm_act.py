"""TVU401: a convolution, a norm and an activation that ``Conv2dNormActivation`` builds."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tvusage_lint.python.ast_util import docstring_count, dotted, final, first_line
from tvusage_lint.python.layers.base import (
    ACT,
    CONV,
    CONV_NORM_ACT,
    FUNCTIONAL_ACTS,
    NORM,
    Item,
    LayerHit,
    classify,
    header,
    norm_fits,
)


def runs(items: list[Item]) -> Iterator[list[Item]]:
    """Conv → norm (→ activation) among consecutive layers of a sequence."""
    i = 0
    while i < len(items) - 1:
        first, second = items[i], items[i + 1]
        if first.kind == CONV and second.kind == NORM and norm_fits(first, second):
            run = [first, second]
            if i + 2 < len(items) and items[i + 2].kind == ACT:
                run.append(items[i + 2])
            yield run
            i += len(run)
        else:
            i += 1


def class_shaped(
    node: ast.ClassDef,
    qual: str,
    attrs: dict[str, ast.Call],
    forward: ast.FunctionDef | ast.AsyncFunctionDef | None,
) -> LayerHit | None:
    """A class whose ``__init__`` builds a convolution and a norm (and an activation) and
    whose ``forward`` only applies them in that order."""
    if forward is None or not 2 <= len(attrs) <= 3:
        return None
    by_kind: dict[str, tuple[str, Item]] = {}
    for attr, call in attrs.items():
        item = classify(call)
        if item.kind not in (CONV, NORM, ACT) or item.kind in by_kind:
            return None
        by_kind[item.kind] = (attr, item)
    if CONV not in by_kind or NORM not in by_kind:
        return None
    conv, norm = by_kind[CONV][1], by_kind[NORM][1]
    if not norm_fits(conv, norm):
        return None
    order = chain(forward)
    if order is None:
        return None
    expected = [f"self.{by_kind[CONV][0]}", f"self.{by_kind[NORM][0]}"]
    steps = [conv.final, norm.final]
    if ACT in by_kind:
        expected.append(f"self.{by_kind[ACT][0]}")
        steps.append(by_kind[ACT][1].final)
    elif len(order) == 3 and final(order[2]) in FUNCTIONAL_ACTS:
        expected.append(order[2])
        steps.append(final(order[2]))
    if order != expected:
        return None
    return LayerHit(
        pattern=CONV_NORM_ACT,
        owner=qual,
        owner_line=first_line(node),
        span=header(node),
        steps=tuple(steps),
        names=tuple(item.name for _, item in by_kind.values()),
    )


def chain(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str] | None:
    """The callables ``forward`` applies to its input, in order, when it does nothing else:
    ``x = self.conv(x); x = self.bn(x); return F.relu(x, inplace=True)``."""
    params = fn.args.args
    if len(params) != 2 or fn.args.vararg or fn.args.kwonlyargs:
        return None
    var = params[1].arg
    body = fn.body[docstring_count(fn.body) :]
    order: list[str] = []
    for i, stmt in enumerate(body):
        last = i == len(body) - 1
        if (
            not last
            and isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            calls = _unary(stmt.value, var)
            if calls is None:
                return None
            order += calls
            var = stmt.targets[0].id
        elif last and isinstance(stmt, ast.Return) and stmt.value is not None:
            if isinstance(stmt.value, ast.Name) and stmt.value.id == var:
                return order
            calls = _unary(stmt.value, var)
            return None if calls is None else order + calls
        else:
            return None
    return None


def _unary(expr: ast.expr, var: str) -> list[str] | None:
    calls: list[str] = []
    while isinstance(expr, ast.Call):
        name = dotted(expr.func)
        if not name or len(expr.args) != 1 or any(k.arg is None for k in expr.keywords):
            return None
        calls.append(name)
        expr = expr.args[0]
    if calls and isinstance(expr, ast.Name) and expr.id == var:
        return calls[::-1]
    return None
