"""TVU402: pool → fc → activation → fc → gate, scaling the input: ``SqueezeExcitation``."""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import argument, dotted, final, first_line, kwarg, own_nodes
from tvusage_lint.python.layers.base import (
    ACT,
    ACT_CLASSES,
    CONV,
    FUNCTIONAL_ACTS,
    FUNCTIONAL_GATES,
    GATE,
    LINEAR,
    NOTHING,
    POOL,
    SQUEEZE_EXCITATION,
    Item,
    LayerHit,
    callee,
    classify,
    conv_kernel,
    header,
    is_one,
    text,
)


def class_shaped(
    node: ast.ClassDef,
    qual: str,
    attrs: dict[str, ast.Call],
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
) -> LayerHit | None:
    layers: list[Item] = []
    names: list[str] = []
    for call in attrs.values():
        name = dotted(call.func)
        if final(name) == "Sequential":
            names.append(name)
            layers.extend(classify(a) if isinstance(a, ast.Call) else NOTHING for a in call.args)
        else:
            layers.append(classify(call))
    kinds = [item.kind for item in layers]
    if any(k not in (POOL, CONV, LINEAR, ACT, GATE) for k in kinds):
        return None
    convs = [i.call for i in layers if i.kind == CONV and i.call is not None]
    if any(final(dotted(c.func)) != "Conv2d" or not is_one(conv_kernel(c)) for c in convs):
        return None
    if sorted((len(convs), kinds.count(LINEAR))) != [0, 2]:
        return None
    if any(kinds.count(k) > 1 for k in (POOL, ACT, GATE)):
        return None
    calls = [n for m in methods.values() for n in own_nodes(m.body) if isinstance(n, ast.Call)]
    called = [callee(c) for c in calls]

    def step(kind: str, functional: frozenset[str]) -> str:
        for item in layers:
            if item.kind == kind:
                return item.final
        return next((c for c in called if c in functional), "")

    pool = step(POOL, frozenset()) or next((callee(c) for c in calls if _functional_pool(c)), "")
    act, gate = step(ACT, FUNCTIONAL_ACTS), step(GATE, FUNCTIONAL_GATES)
    if not (pool and act and gate) or not any(_scales_input(m) for m in methods.values()):
        return None
    fc = "Conv2d" if convs else "Linear"
    first = next(i.call for i in layers if i.kind in (CONV, LINEAR) and i.call is not None)
    args = [
        text(a) if a is not None else ""
        for a in (argument(first, 0, "in_channels"), argument(first, 1, "out_channels"))
    ]
    if ACT_CLASSES.get(act, act) != "ReLU":
        args.append(f"activation={_class_of(act, layers, ACT)}")
    if ACT_CLASSES.get(gate, gate) != "Sigmoid":
        args.append(f"scale_activation={_class_of(gate, layers, GATE)}")
    return LayerHit(
        pattern=SQUEEZE_EXCITATION,
        owner=qual,
        owner_line=first_line(node),
        span=header(node),
        steps=(pool, fc, act, fc, gate),
        names=tuple(dict.fromkeys([*names, *(i.name for i in layers)])),
        args=tuple(a for a in args if a),
    )


def _class_of(step: str, layers: list[Item], kind: str) -> str:
    """A step as the ops layer takes it: the class as written, or ``nn.X`` for a functional."""
    item = next((i for i in layers if i.kind == kind), None)
    if item is not None:
        return item.name
    return f"nn.{ACT_CLASSES.get(step, step)}"


def _functional_pool(call: ast.Call) -> bool:
    """``F.adaptive_avg_pool2d(x, 1)`` or ``x.mean((2, 3), keepdim=True)``."""
    name = callee(call)
    if name == "adaptive_avg_pool2d":
        return is_one(argument(call, 1, "output_size"))
    return name == "mean" and kwarg(call, "keepdim") is not None


def _scales_input(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the method multiplies its input by something (``scale * input``)."""
    params = fn.args.args
    if len(params) < 2:
        return False
    var = params[1].arg

    def is_var(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == var

    for node in own_nodes(fn.body):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            if is_var(node.left) or is_var(node.right):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("mul", "mul_") and (
                is_var(node.func.value) or any(is_var(a) for a in node.args)
            ):
                return True
    return False
