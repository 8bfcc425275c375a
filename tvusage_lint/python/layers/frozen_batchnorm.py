"""TVU405: a batch norm with fixed statistics and affine, ``FrozenBatchNorm2d`` copied."""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import argument, dotted, first_line, own_nodes
from tvusage_lint.python.layers.base import (
    FROZEN_BATCH_NORM,
    LayerHit,
    callee,
    factory_kwargs,
    header,
    self_attributes,
    text,
)

BUFFERS = ("weight", "bias", "running_mean", "running_var")
_SELF_BUFFERS = frozenset(f"self.{b}" for b in BUFFERS)
# Methods that may touch the buffers: building them and loading old checkpoints.
_SETUP = ("__init__", "_load_from_state_dict")


def class_shaped(
    node: ast.ClassDef, qual: str, methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> LayerHit | None:
    """A class whose ``__init__`` registers the four buffers of a batch norm (and holds no
    submodule), whose other
    methods never write them nor compute statistics of their input, and which applies
    them as an affine with a reciprocal square root (or ``F.batch_norm(training=False)``)."""
    init = methods.get("__init__")
    if init is None:
        return None
    buffers: dict[str, ast.expr] = {}
    for sub in own_nodes(init.body):
        if (
            isinstance(sub, ast.Call)
            and dotted(sub.func) == "self.register_buffer"
            and len(sub.args) >= 2
            and isinstance(sub.args[0], ast.Constant)
            and sub.args[0].value in BUFFERS
        ):
            buffers[sub.args[0].value] = sub.args[1]
    if len(buffers) != len(BUFFERS):
        return None
    # nothing but the norm: no submodules (an activation, a dropout), no device or dtype
    if self_attributes(init) or any(
        isinstance(b, ast.Call) and factory_kwargs(b, init) for b in buffers.values()
    ):
        return None
    others = [m for name, m in methods.items() if name not in _SETUP]
    nodes = [sub for m in others for sub in own_nodes(m.body)]
    if any(_writes_buffer(sub) or _statistics(sub) for sub in nodes):
        return None
    if not any(_affine(sub) for sub in nodes):
        return None
    created = buffers["weight"]
    features = argument(created, 0, "size") if isinstance(created, ast.Call) else None
    args = [text(features) if features is not None else "num_features"]
    eps = _eps(init, nodes)
    if eps is not None:
        args.append(f"eps={eps}")
    bases = [dotted(b) for b in node.bases]
    return LayerHit(
        pattern=FROZEN_BATCH_NORM,
        owner=qual,
        owner_line=first_line(node),
        span=header(node),
        steps=BUFFERS,
        names=tuple(b for b in bases if b),
        args=tuple(args),
    )


def _writes_buffer(node: ast.AST) -> bool:
    """``self.running_mean = ...``, ``self.running_var.mul_(...)`` and the like."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(dotted(t) in _SELF_BUFFERS for t in targets)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return dotted(node.func.value) in _SELF_BUFFERS and node.func.attr.endswith("_")
    return False


def _statistics(node: ast.AST) -> bool:
    """A batch statistic: ``x.mean(...)``, ``x.var(...)``, ``torch.var_mean(...)``, or
    ``F.batch_norm`` in training mode."""
    if not isinstance(node, ast.Call):
        return False
    name = callee(node)
    if name in ("mean", "var", "std", "var_mean"):
        return True
    if name == "batch_norm":
        training = argument(node, 5, "training")
        return not (isinstance(training, ast.Constant) and training.value is False)
    return False


def _affine(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and callee(node) in ("rsqrt", "rsqrt_", "sqrt", "batch_norm"):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)


def _eps(init: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> str | None:
    """The epsilon as written, when it is not ``FrozenBatchNorm2d``'s ``1e-05``: an
    ``eps`` parameter's default, else a float literal added in the affine."""
    params = init.args.args[len(init.args.args) - len(init.args.defaults) :]
    for param, default in zip(params, init.args.defaults):
        if param.arg == "eps":
            return None if _is_default(default) else text(default)
    for sub in nodes:
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Add):
            for side in (sub.left, sub.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, float):
                    return None if _is_default(side) else text(side)
    return None


def _is_default(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 1e-5
