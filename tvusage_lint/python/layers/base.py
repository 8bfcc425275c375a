"""What every layer family matches with: the hit, the kinds of layer a call builds, and
the small readings of a call's arguments and of a ``forward`` the families share."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tvusage_lint.python.ast_util import Span, argument, dotted, final, kwarg, own_statements

CONV_NORM_ACT = "conv-norm-act"
SQUEEZE_EXCITATION = "squeeze-excitation"
MLP = "mlp"
STOCHASTIC_DEPTH = "stochastic-depth"
FROZEN_BATCH_NORM = "frozen-batch-norm"


@dataclass(frozen=True)
class LayerHit:
    """One hand-rolled copy of a ``torchvision.ops`` layer."""

    pattern: str
    owner: str  # qualname of the enclosing class or function ("" at module level)
    owner_line: int  # its first line (decorators included); 0 at module level
    span: Span  # the first layer's call, or the class header for class-shaped patterns
    steps: tuple[str, ...]  # what it is made of, in order: ("Conv2d", "BatchNorm2d", "ReLU")
    names: tuple[str, ...]  # layer constructors as written ("nn.Conv2d"), for origin checks
    args: tuple[str, ...] = ()  # the replacement's arguments read off the code: ("3", "32",
    # "kernel_size=3", "norm_layer=None"); a lone name ("hidden_channels") when unknown


CONVS = {"Conv2d": 2, "Conv3d": 3}
# Conv{2,3}dNormActivation builds the convolution itself and takes none of these.
CONV_UNSUPPORTED = {"padding_mode", "device", "dtype"}
NORMS = {
    "BatchNorm2d": 2,
    "BatchNorm3d": 3,
    "InstanceNorm2d": 2,
    "InstanceNorm3d": 3,
    "GroupNorm": 0,  # 0: any dimension
    "SyncBatchNorm": 0,
    "LayerNorm": 0,
}
NORMS_1D = {"BatchNorm1d", "LayerNorm"}  # between the Linear and the activation of an MLP
ACTS = frozenset(
    "ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Hardswish Hardtanh Tanh".split()
)
FUNCTIONAL_ACTS = frozenset(
    "relu relu6 leaky_relu elu selu celu gelu silu mish hardswish hardtanh tanh".split()
)
# The torch.nn class of a functional activation, and where each class takes ``inplace``
# (None: it takes none, so the ops layers must be given ``inplace=None``).
ACT_CLASSES = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "selu": "SELU",
    "celu": "CELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "mish": "Mish",
    "hardswish": "Hardswish",
    "hardtanh": "Hardtanh",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "hardsigmoid": "Hardsigmoid",
}
INPLACE_AT: dict[str, int | None] = {
    "ReLU": 0,
    "ReLU6": 0,
    "SiLU": 0,
    "Hardswish": 0,
    "Hardsigmoid": 0,
    "Mish": 0,
    "SELU": 0,
    "ELU": 1,
    "CELU": 1,
    "LeakyReLU": 1,
    "Hardtanh": 2,
    "GELU": None,
    "Tanh": None,
    "PReLU": None,
    "Sigmoid": None,
}
GATES = frozenset(("Sigmoid", "Hardsigmoid"))
FUNCTIONAL_GATES = frozenset(("sigmoid", "hardsigmoid"))

# Item kinds of a layer sequence.
CONV, NORM, ACT, DROPOUT, LINEAR, GATE, POOL, OTHER = (
    "conv norm act dropout linear gate pool other".split()
)


@dataclass(frozen=True)
class Item:
    """One layer of a sequence, as the scanner read it (never stored in facts)."""

    kind: str
    final: str  # the class name: "Conv2d"
    name: str  # as written: "nn.Conv2d"
    call: ast.Call | None


NOTHING = Item(OTHER, "", "", None)


def is_one(node: ast.expr | None) -> bool:
    """``1`` or ``(1, 1)``."""
    if isinstance(node, ast.Constant):
        return node.value == 1 and not isinstance(node.value, bool)
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(is_one(e) for e in node.elts)
    return False


def classify(call: ast.Call) -> Item:
    name = dotted(call.func)
    last = final(name)
    if not name or not last[:1].isupper():
        return Item(OTHER, last, name, call)
    if last in CONVS:
        if any(k.arg in CONV_UNSUPPORTED for k in call.keywords):
            return Item(OTHER, last, name, call)
        return Item(CONV, last, name, call)
    if last in NORMS or last in NORMS_1D:
        return Item(NORM, last, name, call)
    if last in ACTS:
        return Item(ACT, last, name, call)
    if last == "Dropout":
        return Item(DROPOUT, last, name, call)
    if last == "Linear":
        return Item(LINEAR, last, name, call)
    if last in GATES:
        return Item(GATE, last, name, call)
    if last == "AdaptiveAvgPool2d":
        if is_one(argument(call, 0, "output_size")):
            return Item(POOL, last, name, call)
    return Item(OTHER, last, name, call)


def text(node: ast.expr) -> str:
    return ast.unparse(node)


def layer_arg(item: Item, default: str) -> str:
    """How a replacement names this layer class: as written when it is a class
    (``nn.GELU``), as the torch.nn class for a functional (``F.gelu`` → ``nn.GELU``)."""
    if item.call is None or item.final[:1].isupper():
        return item.name or default
    return f"nn.{ACT_CLASSES.get(item.final, item.final)}"


def activation_args(item: Item, default_inplace: bool | None) -> tuple[list[str], str]:
    """(the replacement's ``activation_layer=`` / ``inplace=`` arguments, the class as it
    should be passed) for one activation: a module (``nn.ReLU(inplace=True)``) or a call
    of a functional one (``F.relu(x, inplace=True)``, whose input is not an argument)."""
    call = item.call
    assert call is not None
    functional = not item.final[:1].isupper()
    cls = ACT_CLASSES.get(item.final, item.final) if functional else item.final
    where = INPLACE_AT.get(cls, None)
    params = call.args[1:] if functional else list(call.args)
    inplace_node = kwarg(call, "inplace")
    if inplace_node is None and where is not None and len(params) > where:
        inplace_node = params[where]
    extra = params[:where] if where is not None else params
    extra_kw = [k for k in call.keywords if k.arg != "inplace"]
    layer = layer_arg(item, cls)
    if extra or extra_kw:
        parts = [layer, *(text(a) for a in extra), *(keyword_text(k) for k in extra_kw)]
        layer = f"functools.partial({', '.join(parts)})"
    out: list[str] = []
    if cls != "ReLU" or extra or extra_kw:
        out.append(f"activation_layer={layer}")
    if where is None:
        inplace = "None"
    elif inplace_node is None:
        inplace = "False"
    else:
        inplace = text(inplace_node)
    if default_inplace is None and inplace == "False":
        inplace = "None"  # the layer's own default: not in place
    if inplace != str(default_inplace):
        out.append(f"inplace={inplace}")
    return out, layer


def keyword_text(keyword: ast.keyword) -> str:
    """``name=value``, or ``**mapping``."""
    value = text(keyword.value)
    return f"**{value}" if keyword.arg is None else f"{keyword.arg}={value}"


def factory_kwargs(call: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """Whether the layer is built on a given device or with a dtype (``device=``,
    ``dtype=``, or ``**dd`` where the function made ``dd = {"device": ..., ...}``):
    the ops layers take neither."""
    for keyword in call.keywords:
        if keyword.arg in _FACTORY:
            return True
        if keyword.arg is not None:
            continue
        values: list[ast.expr] = [keyword.value]
        if isinstance(keyword.value, ast.Name) and fn is not None:
            values = assigned(fn, keyword.value.id)
        for value in values:
            if isinstance(value, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value in _FACTORY for k in value.keys
            ):
                return True
            if isinstance(value, ast.Call) and dotted(value.func) == "dict":
                if any(k.arg in _FACTORY for k in value.keywords):
                    return True
    return False


_FACTORY = ("device", "dtype")


def conv_out(call: ast.Call) -> ast.expr | None:
    return argument(call, 1, "out_channels")


def conv_kernel(call: ast.Call) -> ast.expr | None:
    return argument(call, 2, "kernel_size")


def same(a: ast.expr | None, b: ast.expr | None) -> bool:
    return a is not None and b is not None and ast.dump(a) == ast.dump(b)


def norm_fits(conv: Item, norm: Item) -> bool:
    dims = NORMS.get(norm.final)
    if dims is None:
        return False  # BatchNorm1d
    if dims and dims != CONVS[conv.final]:
        return False
    if norm.final == "LayerNorm":
        # Conv{2,3}dNormActivation builds ``norm_layer(out_channels)``: only a
        # LayerNorm over exactly that many features is the same layer.
        assert conv.call is not None and norm.call is not None
        shape = argument(norm.call, 0, "normalized_shape")
        return same(shape, conv_out(conv.call))
    return True


def callee(call: ast.Call) -> str:
    """The called name, also of a method of any expression (``m.bernoulli_(p).div_(p)``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def call_named(node: ast.AST, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Call) and callee(node) in names


def assigned(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[ast.expr]:
    """The values assigned to ``name`` in the function (``name = value`` only)."""
    return [
        n.value
        for n in own_statements(fn.body)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]


def header(node: ast.ClassDef) -> Span:
    """``class Name``: where a class-shaped finding sits."""
    return Span(node.lineno, node.col_offset, node.lineno, node.col_offset + 6 + len(node.name))


def self_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.Call]:
    """``self.x = Call(...)`` at the top level of ``__init__``, in order."""
    attrs: dict[str, ast.Call] = {}
    for stmt in init.body:
        target = value = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        if (
            isinstance(target, ast.Attribute)
            and dotted(target.value) == "self"
            and isinstance(value, ast.Call)
        ):
            attrs[target.attr] = value
    return attrs
