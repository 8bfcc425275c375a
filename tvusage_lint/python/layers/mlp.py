"""TVU403: Linear (→ norm) → activation (→ Dropout) → Linear ... that ``MLP`` builds."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tvusage_lint.python.ast_util import argument, dotted, final, first_line, own_nodes, span_of
from tvusage_lint.python.layers.base import (
    ACT,
    DROPOUT,
    FUNCTIONAL_ACTS,
    LINEAR,
    MLP,
    NORM,
    NORMS_1D,
    Item,
    LayerHit,
    activation_args,
    classify,
    text,
)


def runs(items: list[Item]) -> Iterator[list[Item]]:
    """Linear (→ norm) → activation (→ Dropout) → Linear ..., at least two Linear layers,
    that ``torchvision.ops.MLP`` builds the same: one activation, one norm (or none) and
    one bias setting throughout, and a Dropout after every layer, the last included, or
    none at all."""
    i = 0
    while i < len(items):
        if items[i].kind != LINEAR:
            i += 1
            continue
        end, k = i, i + 1
        while True:
            if k < len(items) and items[k].kind == NORM and items[k].final in NORMS_1D:
                k += 1
            if k >= len(items) or items[k].kind != ACT:
                break
            k += 1
            if k < len(items) and items[k].kind == DROPOUT:
                k += 1
            if k >= len(items) or items[k].kind != LINEAR:
                break
            end, k = k, k + 1
        if end == i:
            i += 1
            continue
        run = items[i : end + 1]
        if end + 1 < len(items) and items[end + 1].kind == DROPOUT:
            run.append(items[end + 1])
        if _same_as_mlp(run):
            yield run
        i = end + 1


def _same_as_mlp(run: list[Item]) -> bool:
    def arg(item: Item, index: int, keyword: str) -> str:
        assert item.call is not None
        value = argument(item.call, index, keyword)
        if value is None or (isinstance(value, ast.Constant) and value.value is True):
            return ""
        return ast.dump(value)

    linears = [i for i in run if i.kind == LINEAR]
    hidden = len(linears) - 1
    if len({arg(i, 2, "bias") for i in linears}) != 1:
        return False
    acts = {i.final for i in run if i.kind == ACT}
    norms = [i.final for i in run if i.kind == NORM]
    if len(acts) != 1 or len(set(norms)) > 1 or len(norms) not in (0, hidden):
        return False
    dropouts = [i for i in run if i.kind == DROPOUT]
    if len(dropouts) not in (0, hidden + 1):
        return False
    return len({arg(i, 0, "p") for i in dropouts}) <= 1


def arguments(run: list[Item]) -> tuple[str, ...]:
    """The arguments of ``torchvision.ops.MLP`` that build ``run``."""
    linears = [i.call for i in run if i.kind == LINEAR and i.call is not None]
    first_in = argument(linears[0], 0, "in_features")
    outs = [argument(c, 1, "out_features") for c in linears]
    out = [
        text(first_in) if first_in is not None else "in_channels",
        f"[{', '.join(text(o) for o in outs)}]" if all(outs) else "hidden_channels",
    ]
    norm = next((i for i in run if i.kind == NORM), None)
    if norm is not None:
        out.append(f"norm_layer={norm.name}")
    act = next(i for i in run if i.kind == ACT)
    out.extend(activation_args(act, default_inplace=None)[0])
    bias = argument(linears[0], 2, "bias")
    if bias is not None and not (isinstance(bias, ast.Constant) and bias.value is True):
        out.append(f"bias={text(bias)}")
    dropout = next((i.call for i in run if i.kind == DROPOUT and i.call is not None), None)
    if dropout is not None:
        p = argument(dropout, 0, "p")
        out.append(f"dropout={text(p) if p is not None else '0.5'}")
    return tuple(out)


def module_list(
    node: ast.ClassDef,
    qual: str,
    attrs: dict[str, ast.Call],
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
) -> list[LayerHit]:
    """``self.layers = nn.ModuleList(nn.Linear(n, k) for n, k in zip(...))`` (or a list of
    Linear layers) whose every layer but the last a method's loop wraps in an activation:
    ``x = F.relu(layer(x)) if i < self.num_layers - 1 else layer(x)`` (DETR's MLP)."""
    hits: list[LayerHit] = []
    lists = [
        (attr, call)
        for attr, call in attrs.items()
        if final(dotted(call.func)) == "ModuleList" and len(call.args) == 1
    ]
    if not lists:
        return hits
    layers = {attr: classify(call) for attr, call in attrs.items()}
    for attr, call in lists:
        linear = _linears(call.args[0])
        if linear is None:
            continue
        act = _loop_activation(attr, methods, layers)
        if act is None:
            continue
        args = ["in_channels", "hidden_channels", *activation_args(act, default_inplace=None)[0]]
        bias = argument(linear, 2, "bias")
        if bias is not None and not (isinstance(bias, ast.Constant) and bias.value is True):
            args.append(f"bias={text(bias)}")
        hits.append(
            LayerHit(
                pattern=MLP,
                owner=qual,
                owner_line=first_line(node),
                span=span_of(call),
                steps=("Linear", act.final, "Linear"),
                names=tuple(
                    n
                    for n in (dotted(call.func), dotted(linear.func), act.name)
                    if final(n)[:1].isupper()
                ),
                args=tuple(args),
            )
        )
    return hits


def _linears(arg: ast.expr) -> ast.Call | None:
    """The Linear layer a ModuleList argument builds, when it builds only Linear layers
    of one bias setting: a comprehension of one, or a list of two or more."""
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        elt = arg.elt
        return elt if isinstance(elt, ast.Call) and classify(elt).kind == LINEAR else None
    if isinstance(arg, (ast.List, ast.Tuple)) and len(arg.elts) >= 2:
        calls = [e for e in arg.elts if isinstance(e, ast.Call) and classify(e).kind == LINEAR]
        if len(calls) != len(arg.elts):
            return None
        if len({ast.dump(argument(c, 2, "bias") or ast.Constant(True)) for c in calls}) != 1:
            return None
        return calls[0]
    return None


def _loop_activation(
    attr: str,
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    layers: dict[str, Item],
) -> Item | None:
    """The activation a ``for`` loop over ``self.<attr>`` applies to every layer's output
    but the last one's: the layer is called both inside the activation and bare."""
    for name, method in methods.items():
        if name == "__init__":
            continue
        for loop in ast.walk(method):
            if not isinstance(loop, ast.For):
                continue
            var = _loop_layer(loop, attr)
            if var is None:
                continue
            wrapped: Item | None = None
            bare = False
            for sub in (n for stmt in loop.body for n in own_nodes([stmt])):
                if not isinstance(sub, ast.Call):
                    continue
                act = _activation_of(sub, layers)
                if act is not None and sub.args and _calls(sub.args[0], var):
                    wrapped = act
                elif _calls(sub, var) and not _inside_activation(sub, loop, layers):
                    bare = True
            if wrapped is not None and bare:
                return wrapped
    return None


def _loop_layer(loop: ast.For, attr: str) -> str | None:
    """The name a loop binds each layer of ``self.<attr>`` to: ``for layer in self.layers``
    or ``for i, layer in enumerate(self.layers)``."""
    it, target = loop.iter, loop.target
    if isinstance(it, ast.Call) and dotted(it.func) == "enumerate" and len(it.args) == 1:
        it = it.args[0]
        if not isinstance(target, ast.Tuple) or len(target.elts) != 2:
            return None
        target = target.elts[1]
    if dotted(it) == f"self.{attr}" and isinstance(target, ast.Name):
        return target.id
    return None


def _calls(node: ast.expr, var: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == var


def _activation_of(call: ast.Call, layers: dict[str, Item]) -> Item | None:
    func = call.func
    if isinstance(func, ast.Attribute) and dotted(func.value) == "self":
        item = layers.get(func.attr)
        return item if item is not None and item.kind == ACT else None
    name = dotted(func)
    if final(name) in FUNCTIONAL_ACTS:
        return Item(ACT, final(name), name, call)
    return None


def _inside_activation(call: ast.Call, loop: ast.For, layers: dict[str, Item]) -> bool:
    return any(
        isinstance(n, ast.Call) and _activation_of(n, layers) is not None and call in n.args
        for n in ast.walk(loop)
    )
