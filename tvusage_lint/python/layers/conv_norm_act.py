"""TVU401: a convolution, a norm and an activation that ``Conv2dNormActivation`` builds."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tvusage_lint.python.ast_util import (
    argument,
    docstring_count,
    dotted,
    final,
    first_line,
    span_of,
)
from tvusage_lint.python.layers.base import (
    ACT,
    CONV,
    CONV_NORM_ACT,
    FUNCTIONAL_ACTS,
    NORM,
    NOTHING,
    Item,
    LayerHit,
    activation_args,
    classify,
    conv_kernel,
    conv_out,
    header,
    is_one,
    keyword_text,
    norm_fits,
    text,
)


def runs(items: list[Item]) -> Iterator[list[Item]]:
    """Conv → norm (→ activation), or conv → activation, among consecutive layers of a
    sequence (``Conv2dNormActivation(..., norm_layer=None)`` builds the latter)."""
    i = 0
    while i < len(items) - 1:
        first, second = items[i], items[i + 1]
        if first.kind == CONV and second.kind == NORM and norm_fits(first, second):
            run = [first, second]
            if i + 2 < len(items) and items[i + 2].kind == ACT:
                run.append(items[i + 2])
            yield run
            i += len(run)
        elif first.kind == CONV and second.kind == ACT and second.final not in _OUTPUT_ACTS:
            yield [first, second]
            i += 2
        else:
            i += 1


# Without a norm, a convolution into tanh squashes an output (an image, a GRU's candidate
# state); the ops layer is a block of hidden features.
_OUTPUT_ACTS = frozenset(("Tanh", "Hardtanh", "tanh", "hardtanh"))


def arguments(run: list[Item]) -> tuple[str, ...]:
    norm = next((item for item in run if item.kind == NORM), None)
    act = next((item for item in run if item.kind == ACT), None)
    return suggest(run[0], norm, act)


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
    act: Item | None = None
    if ACT in by_kind:
        expected.append(f"self.{by_kind[ACT][0]}")
        act = by_kind[ACT][1]
    elif len(order) == 3 and final(order[2]) in FUNCTIONAL_ACTS:
        expected.append(order[2])
        applied = next(
            n for n in ast.walk(forward) if isinstance(n, ast.Call) and dotted(n.func) == order[2]
        )
        act = Item(ACT, final(order[2]), order[2], applied)
    if order != expected:
        return None
    if act is not None:
        steps.append(act.final)
    return LayerHit(
        pattern=CONV_NORM_ACT,
        owner=qual,
        owner_line=first_line(node),
        span=header(node),
        steps=tuple(steps),
        names=tuple(item.name for _, item in by_kind.values()),
        args=suggest(conv, norm, act),
    )


def applied(
    node: ast.ClassDef,
    qual: str,
    attrs: dict[str, ast.Call],
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
) -> list[LayerHit]:
    """A convolution attribute whose every use is wrapped in an activation (through a
    norm attribute or not), in a module that does more than that: ``F.relu(self.conv(x))``
    (torchvision's ``RPNHead`` before it used ``Conv2dNormActivation(norm_layer=None)``)."""
    layers = {attr: classify(call) for attr, call in attrs.items()}
    if not any(item.kind == CONV for item in layers.values()):
        return []
    uses: dict[str, int] = {}  # attribute → how often other methods name it
    found: dict[str, tuple[Item | None, Item]] = {}  # conv attribute → (norm, activation)
    for name, method in methods.items():
        if name == "__init__":
            continue
        for sub in ast.walk(method):
            if isinstance(sub, ast.Attribute) and dotted(sub.value) == "self":
                uses[sub.attr] = uses.get(sub.attr, 0) + 1
            if not isinstance(sub, ast.Call) or len(sub.args) < 1:
                continue
            act = _activation(sub, layers)
            inner = sub.args[0]
            norm = _layer_call(inner, layers, NORM)
            if norm is not None:
                inner = inner.args[0]  # type: ignore[attr-defined]
            conv = _layer_call(inner, layers, CONV)
            if conv is None or act is None or (norm is None and act.final in _OUTPUT_ACTS):
                continue
            if norm is not None and not norm_fits(layers[conv], layers[norm]):
                continue
            pair = (layers[norm] if norm else None, act)
            if found.setdefault(conv, pair) != pair:
                found[conv] = (None, NOTHING)  # wrapped differently in two places
            uses[conv] = uses.get(conv, 0) - 1
            if norm is not None:
                uses[norm] = uses.get(norm, 0) - 1
    hits = []
    for attr, (norm, act) in found.items():
        if act is NOTHING or uses.get(attr) or (norm is not None and _unused(norm, layers, uses)):
            continue
        conv = layers[attr]
        if act.final[:1].isupper():  # the activation module must not serve others
            act_attr = next(a for a, item in layers.items() if item is act)
            if uses.get(act_attr, 0) > sum(1 for n, a in found.values() if a is act):
                continue
        assert conv.call is not None
        steps = [conv.final, *([norm.final] if norm else []), act.final]
        hits.append(
            LayerHit(
                pattern=CONV_NORM_ACT,
                owner=qual,
                owner_line=first_line(node),
                span=span_of(conv.call),
                steps=tuple(steps),
                names=tuple(
                    i.name for i in (conv, norm, act) if i is not None and i.final[:1].isupper()
                ),
                args=suggest(conv, norm, act),
            )
        )
    return hits


def _unused(norm: Item, layers: dict[str, Item], uses: dict[str, int]) -> bool:
    """Whether the norm attribute is also used on its own (then it is not part of a block)."""
    attr = next(a for a, item in layers.items() if item is norm)
    return bool(uses.get(attr))


def _layer_call(node: ast.expr, layers: dict[str, Item], kind: str) -> str | None:
    """The attribute ``node`` calls (``self.conv(x)``) when it holds a layer of ``kind``."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and dotted(func.value) == "self":
        item = layers.get(func.attr)
        if item is not None and item.kind == kind:
            return func.attr
    return None


def _activation(call: ast.Call, layers: dict[str, Item]) -> Item | None:
    """The activation ``call`` applies: ``F.relu(...)``, ``torch.relu(...)``, ``self.act(...)``."""
    name = dotted(call.func)
    if name.startswith("self."):
        attr = _layer_call(call, layers, ACT)
        return layers[attr] if attr is not None else None
    if final(name) in FUNCTIONAL_ACTS:
        return Item(ACT, final(name), name, call)
    return None


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


def suggest(conv: Item, norm: Item | None, act: Item | None) -> tuple[str, ...]:
    """The arguments of ``Conv{2,3}dNormActivation`` that build the same layers.

    ``Conv2d`` defaults to ``padding=0`` and a bias; the ops layer to "same" padding
    (``(kernel_size - 1) // 2 * dilation``), a bias only without a norm, a
    ``BatchNorm`` of the convolution's dimension, ``ReLU`` and ``inplace=True``.
    """
    call = conv.call
    assert call is not None
    out = [text(a) for a in (argument(call, 0, "in_channels"), conv_out(call)) if a is not None]
    kernel = conv_kernel(call)
    if kernel is not None:
        out.append(f"kernel_size={text(kernel)}")
    names = ("stride", "padding", "dilation", "groups", "bias")
    given = {n: argument(call, i + 3, n) for i, n in enumerate(names)}
    stride, padding, dilation, groups, bias = (given[n] for n in names)
    if stride is not None and not is_one(stride):
        out.append(f"stride={text(stride)}")
    if not _same_padding(kernel, padding, dilation):
        out.append(f"padding={text(padding) if padding is not None else '0'}")
    if groups is not None and not is_one(groups):
        out.append(f"groups={text(groups)}")
    if norm is None:
        out.append("norm_layer=None")
    else:
        layer = _norm_layer(conv, norm)
        if layer:
            out.append(f"norm_layer={layer}")
    if act is None:
        out.append("activation_layer=None")
    else:
        out.extend(activation_args(act, default_inplace=True)[0])
    if dilation is not None and not is_one(dilation):
        out.append(f"dilation={text(dilation)}")
    with_bias = bias is None or (isinstance(bias, ast.Constant) and bias.value is True)
    without_bias = isinstance(bias, ast.Constant) and bias.value is False
    if norm is not None and not without_bias:
        out.append("bias=True" if with_bias else f"bias={text(bias)}")  # type: ignore[arg-type]
    if norm is None and not with_bias:
        out.append(f"bias={text(bias)}")  # type: ignore[arg-type]
    return tuple(out)


def _int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
        values = {_int(e) for e in node.elts}
        return values.pop() if len(values) == 1 else None
    return None


def _same_padding(
    kernel: ast.expr | None, padding: ast.expr | None, dilation: ast.expr | None
) -> bool:
    """Whether the convolution's padding is what the ops layer computes by itself."""
    if padding is not None and dilation is not None and ast.dump(padding) == ast.dump(dilation):
        return _int(kernel) == 3  # ``padding=dilation, dilation=dilation``
    k = _int(kernel)
    d = 1 if dilation is None else _int(dilation)
    p = 0 if padding is None else _int(padding)
    return k is not None and d is not None and p is not None and p == (k - 1) // 2 * d


def _norm_layer(conv: Item, norm: Item) -> str:
    """``norm_layer=`` for the norm, "" for the default ``BatchNorm`` over the channels."""
    call = norm.call
    assert call is not None
    # the ops layer calls ``norm_layer(out_channels)``: the rest goes into a partial
    channels_at = 1 if norm.final == "GroupNorm" else 0
    extra = [text(a) for i, a in enumerate(call.args) if i != channels_at]
    keys = ("num_channels",) if norm.final == "GroupNorm" else ("num_features", "normalized_shape")
    extra += [keyword_text(k) for k in call.keywords if k.arg not in keys]
    default = "BatchNorm3d" if conv.final == "Conv3d" else "BatchNorm2d"
    if not extra:
        return "" if norm.final == default else norm.name
    return f"functools.partial({', '.join([norm.name, *extra])})"
