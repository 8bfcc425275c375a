"""TVU401-TVU405: hand-rolled copies of the ``torchvision.ops`` layers (RFC pytorch/vision#4333).

The facts say what a module builds by hand; these rules keep the hits whose
layers come from ``torch.nn`` (through the module's imports) and say which
``torchvision.ops`` layer to use instead. The module that defines those layers
(scope ``ops``) is never reported.
"""

from __future__ import annotations

from tvusage_lint.config import Settings
from tvusage_lint.findings import Finding
from tvusage_lint.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit

CODES = {
    L.CONV_NORM_ACT: "TVU401",
    L.SQUEEZE_EXCITATION: "TVU402",
    L.MLP: "TVU403",
    L.STOCHASTIC_DEPTH: "TVU404",
    L.FROZEN_BATCH_NORM: "TVU405",
}

_TORCH_NN = "torch.nn"


def check(module: Module, settings: Settings) -> list[Finding]:
    """The TVU4xx findings of one module."""
    facts = module.facts
    if not facts.layers or facts.error or module.scope == "ops":
        return []
    hits = [hit for hit in facts.layers if all(_from_torch_nn(module, n) for n in hit.names)]
    # the two Linear layers inside a squeeze-and-excitation block are not an MLP of their own
    blocks = [hit.owner for hit in hits if hit.pattern == L.SQUEEZE_EXCITATION]
    out = []
    for hit in hits:
        code = CODES[hit.pattern]
        if not settings.enabled(code, module.scope):
            continue
        if hit.pattern == L.MLP and any(
            hit.owner == b or hit.owner.startswith(b + ".") for b in blocks
        ):
            continue
        span = hit.span
        out.append(
            Finding(
                path=module.display,
                line=span.line,
                column=span.col + 1,
                code=code,
                message=message(hit),
                end_line=span.end_line,
                end_column=span.end_col + 1,
                symbol=f"{module.name}.{hit.owner}" if hit.owner else module.name,
                event="",
                def_line=hit.owner_line,
            )
        )
    return out


def message(hit: LayerHit) -> str:
    """What was found, and the ops layer to use with the arguments read off the code.

    Every replacement but stochastic depth (no parameters) and the frozen batch norm
    (the same four buffers) names its parameters differently, so checkpoints need a
    key mapping (torchvision's own refactors added ``_version`` and a
    ``_load_from_state_dict``): that is why there is no automatic fix.
    """
    steps = " → ".join(hit.steps)
    renames = " (renames its state_dict keys: no automatic fix)"
    if hit.pattern == L.CONV_NORM_ACT:
        layer = "Conv3dNormActivation" if hit.steps[0] == "Conv3d" else "Conv2dNormActivation"
        return f"hand-rolled {steps}; use {_call(layer, hit)}{renames}"
    if hit.pattern == L.SQUEEZE_EXCITATION:
        return (
            f"hand-rolled squeeze-and-excitation ({steps}); "
            f"use {_call('SqueezeExcitation', hit)}{renames}"
        )
    if hit.pattern == L.MLP:
        return f"hand-rolled MLP {steps}; use {_call('MLP', hit)}{renames}"
    if hit.pattern == L.FROZEN_BATCH_NORM:
        return (
            f"hand-rolled frozen batch norm (buffers {', '.join(hit.steps)}, fixed affine); "
            f"use {_call('FrozenBatchNorm2d', hit)} (same state_dict keys)"
        )
    return (
        "hand-rolled stochastic depth (per-sample Bernoulli keep-mask, rescaled); "
        "use `torchvision.ops.stochastic_depth` or `torchvision.ops.StochasticDepth`"
    )


def _call(layer: str, hit: LayerHit) -> str:
    return f"`torchvision.ops.{layer}({', '.join(hit.args)})`"


def _from_torch_nn(module: Module, name: str) -> bool:
    """Whether ``nn.Conv2d`` / ``torch.nn.Conv2d`` / ``Conv2d`` names a ``torch.nn`` class.

    Through the module's imports and aliases when they bind the first part. An
    unbound ``nn.X`` or ``torch.nn.X`` counts (a local ``from torch import nn``);
    an unbound bare name only under ``from torch.nn import *``.
    """
    full = _resolve(module, name, hops=4)
    if full is None:
        if "." not in name:
            return any(_is_torch_nn(star) for star in module.star_imports)
        if name.startswith("nn."):
            full = "torch." + name
        elif name.startswith("torch."):
            full = name
        else:
            return False
    return _is_torch_nn(full.rpartition(".")[0])


def _resolve(module: Module, name: str, hops: int) -> str | None:
    head, _, rest = name.partition(".")
    target = module.bindings.get(head)
    own = module.name + ":"  # a module-level alias, ``nn = torch.nn``
    if target is not None and target.startswith(own):
        target = _resolve(module, target[len(own) :], hops - 1) if hops else None
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


def _is_torch_nn(path: str) -> bool:
    return path == _TORCH_NN or path.startswith(_TORCH_NN + ".modules")
