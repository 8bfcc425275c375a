"""TVU405 hand-rolled-frozen-batchnorm: a batch norm with fixed statistics, written out."""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.rules.hand_rolled import LAYER, at_hit, of, ops_call


@codes.unit("TVU405", LAYER)
def hand_rolled_frozen_batchnorm(module: Module, hits: Sequence[LayerHit]) -> list[Finding]:
    """Finds a batch norm with frozen buffers that ``FrozenBatchNorm2d`` already is."""
    out = []
    for hit in of(hits, L.FROZEN_BATCH_NORM):
        message = (
            f"hand-rolled frozen batch norm (buffers {', '.join(hit.steps)}, fixed affine); "
            f"use {ops_call('FrozenBatchNorm2d', hit)} (same state_dict keys)"
        )
        out.append(at_hit(module, hit, "TVU405", message))
    return out
