"""TVU403 hand-rolled-mlp: Linear (→ norm) → activation (→ Dropout) → Linear ... by hand.

The two Linear layers inside a squeeze-and-excitation block are that block's
(TVU402), not an MLP of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.rules.hand_rolled import LAYER, RENAMES, at_hit, of, ops_call


@codes.unit("TVU403", LAYER)
def hand_rolled_mlp(module: Module, hits: Sequence[LayerHit]) -> list[Finding]:
    """Finds a Linear-activation stack that ``torchvision.ops.MLP`` builds."""
    blocks = [hit.owner for hit in of(hits, L.SQUEEZE_EXCITATION)]
    out = []
    for hit in of(hits, L.MLP):
        if any(hit.owner == b or hit.owner.startswith(b + ".") for b in blocks):
            continue
        steps = " → ".join(hit.steps)
        message = f"hand-rolled MLP {steps}; use {ops_call('MLP', hit)}{RENAMES}"
        out.append(at_hit(module, hit, "TVU403", message))
    return out
