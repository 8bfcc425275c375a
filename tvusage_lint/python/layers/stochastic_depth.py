"""TVU404: a per-sample Bernoulli keep-mask, rescaled and multiplied in: stochastic depth."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from tvusage_lint.python.ast_util import dotted, final, first_line, own_nodes, span_of
from tvusage_lint.python.layers.base import (
    STOCHASTIC_DEPTH,
    LayerHit,
    assigned,
    call_named,
    is_one,
)

_CREATORS = frozenset("empty zeros ones full rand new_empty new_zeros new_ones new_full".split())


def find(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, qual: str, statements: Iterable[ast.stmt]
) -> LayerHit | None:
    """The mask drawn in one of ``statements`` (the simple statements of ``fn`` that name
    a random draw). A draw in an ``if`` test (``if torch.rand(1) < p:``, the transforms)
    is never a mask."""
    candidates: list[tuple[ast.AST, set[str]]] = []  # (draw, names bound to the mask)
    for stmt in statements:
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(stmt):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
            shape = _mask_source(node, fn)
            if shape is None or not _per_sample(shape, fn):
                continue
            names = _mask_names(node, stmt, parents)
            if names is not None:
                candidates.append((node, names))
    if not candidates:
        return None
    nodes = list(own_nodes(fn.body))
    if not any(_divides(n) for n in nodes):
        return None
    floors = any(call_named(n, ("floor", "floor_")) for n in nodes)
    products = [n for n in nodes if _product(n)]
    for node, names in candidates:
        if isinstance(node, ast.BinOp) and not floors:
            continue  # ``p + torch.rand(s)`` is a mask once floored
        if names and not any(
            isinstance(sub, ast.Name) and sub.id in names
            for product in products
            for sub in ast.walk(product)
        ):
            continue
        return LayerHit(
            pattern=STOCHASTIC_DEPTH,
            owner=qual,
            owner_line=first_line(fn),
            span=span_of(node),
            steps=(),
            names=(),
        )
    return None


def _divides(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return True
    return call_named(node, ("div", "div_"))


def _product(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return True
    return call_named(node, ("mul", "mul_"))


def _mask_names(node: ast.AST, stmt: ast.stmt, parents: dict[int, ast.AST]) -> set[str] | None:
    """How the drawn mask reaches a product: set() when multiplied in place, else the names
    the statement binds it to (their products are checked later); None for neither."""
    here: ast.AST | None = node
    while here is not None and here is not stmt:
        if _product(here):
            return set()
        here = parents.get(id(here))
    if isinstance(stmt, ast.Assign):
        names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        names = {stmt.target.id}
    else:
        return None
    return names or None


def _mask_source(node: ast.AST, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    """The call that gives the mask its shape, when ``node`` draws a random keep-mask:
    ``torch.empty(s).bernoulli_(p)`` (also through a name: ``noise = torch.empty(s)``),
    ``torch.bernoulli(torch.full(s, p))``, ``torch.rand(s) < p``, ``p + torch.rand(s)``
    (then floored)."""
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("bernoulli_", "bernoulli"):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id != "torch":
            drawn = [v for v in assigned(fn, receiver.id) if _creator(v)]
            receiver = drawn[0] if len(drawn) == 1 else receiver
        if _creator(receiver):
            return _creator(receiver)
        if dotted(func) == "torch.bernoulli" and node.args:
            for sub in ast.walk(node.args[0]):
                if _creator(sub):
                    return _creator(sub)
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        if isinstance(node.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            for side in (node.left, node.comparators[0]):
                if isinstance(side, ast.Call) and dotted(side.func) == "torch.rand":
                    return side
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for side in (node.left, node.right):
            if isinstance(side, ast.Call) and dotted(side.func) == "torch.rand":
                return side
    return None


def _creator(node: ast.AST) -> ast.Call | None:
    """``node`` when it is ``torch.empty(...)``, ``x.new_zeros(...)`` or the like."""
    if isinstance(node, ast.Call) and final(dotted(node.func)) in _CREATORS:
        return node
    return None


def _per_sample(shape: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the mask has one value per sample (``[N, 1, 1, 1]``) or one for the
    batch (``[1]``): a literal ``1`` as a size. A mask of the input's full shape
    is dropout, not stochastic depth."""
    args: list[ast.expr] = list(shape.args)
    if final(dotted(shape.func)) in ("full", "new_full") and len(args) >= 2:
        args = args[:1]
    resolved: list[ast.expr] = []
    for arg in args:
        if isinstance(arg, ast.Name):
            resolved.extend(assigned(fn, arg.id))
        else:
            resolved.append(arg)
    if any(is_one(a) and isinstance(a, ast.Constant) for a in resolved):
        return True
    for arg in resolved:
        for sub in ast.walk(arg):
            if isinstance(sub, (ast.List, ast.Tuple)) and any(
                isinstance(e, ast.Constant) and is_one(e) for e in sub.elts
            ):
                return True
    return False
