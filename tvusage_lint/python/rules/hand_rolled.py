"""TVU401-TVU405's driver and what they share: hand-rolled ``torchvision.ops`` layers.

The facts say what a module builds by hand (RFC pytorch/vision#4333); only the
hits whose layers come from ``torch.nn`` (through the module's imports) count.
The module that defines those layers (scope ``ops``) is never reported. Each
unit says which ``torchvision.ops`` layer to use instead, with the arguments
read off the code.

Every replacement but stochastic depth (no parameters) and the frozen batch norm
(the same four buffers) names its parameters differently, so checkpoints need a
key mapping (torchvision's own refactors added ``_version`` and a
``_load_from_state_dict``): that is why there is no automatic fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.config import Settings
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python.layers import LayerHit

LAYER = "python.layer"  # run(module, hits: the torch.nn hits) -> list[Finding]

RENAMES = " (renames its state_dict keys: no automatic fix)"
_TORCH_NN = "torch.nn"


def check(module: Module, settings: Settings) -> list[Finding]:
    """The TVU4xx findings of one module."""
    facts = module.facts
    if not facts.layers or facts.error or module.scope == "ops":
        return []
    hits = [hit for hit in facts.layers if all(_from_torch_nn(module, n) for n in hit.names)]
    out: list[Finding] = []
    for unit in codes.units(LAYER):
        if settings.enabled(unit.code, module.scope):
            out.extend(unit.run(module, hits))
    return out


def at_hit(module: Module, hit: LayerHit, code: str, message: str) -> Finding:
    span = hit.span
    return Finding(
        path=module.display,
        line=span.line,
        column=span.col + 1,
        code=code,
        message=message,
        end_line=span.end_line,
        end_column=span.end_col + 1,
        symbol=f"{module.name}.{hit.owner}" if hit.owner else module.name,
        event="",
        def_line=hit.owner_line,
    )


def of(hits: Sequence[LayerHit], pattern: str) -> list[LayerHit]:
    return [hit for hit in hits if hit.pattern == pattern]


def ops_call(layer: str, hit: LayerHit) -> str:
    """``torchvision.ops.<layer>(<the arguments read off the code>)``, quoted."""
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
