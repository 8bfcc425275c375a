"""TVU402 hand-rolled-squeeze-excitation: pool → fc → activation → fc → gate, by hand."""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.rules.hand_rolled import LAYER, RENAMES, at_hit, of, ops_call


@codes.unit("TVU402", LAYER)
def hand_rolled_squeeze_excitation(module: Module, hits: Sequence[LayerHit]) -> list[Finding]:
    """Finds a squeeze-and-excitation block that ``SqueezeExcitation`` builds."""
    out = []
    for hit in of(hits, L.SQUEEZE_EXCITATION):
        steps = " → ".join(hit.steps)
        message = (
            f"hand-rolled squeeze-and-excitation ({steps}); "
            f"use {ops_call('SqueezeExcitation', hit)}{RENAMES}"
        )
        out.append(at_hit(module, hit, "TVU402", message))
    return out
