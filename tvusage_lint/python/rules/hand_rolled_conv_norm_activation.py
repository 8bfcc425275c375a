"""TVU401 hand-rolled-conv-norm-activation: convolution, norm and activation by hand."""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.rules.hand_rolled import LAYER, RENAMES, at_hit, of, ops_call


@codes.unit("TVU401", LAYER)
def hand_rolled_conv_norm_activation(module: Module, hits: Sequence[LayerHit]) -> list[Finding]:
    """Finds a convolution, a norm and an activation that ``Conv2dNormActivation`` builds."""
    out = []
    for hit in of(hits, L.CONV_NORM_ACT):
        layer = "Conv3dNormActivation" if hit.steps[0] == "Conv3d" else "Conv2dNormActivation"
        steps = " → ".join(hit.steps)
        message = f"hand-rolled {steps}; use {ops_call(layer, hit)}{RENAMES}"
        out.append(at_hit(module, hit, "TVU401", message))
    return out
