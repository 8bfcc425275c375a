"""TVU404 hand-rolled-stochastic-depth: a per-sample Bernoulli keep-mask, rescaled, by hand."""

from __future__ import annotations

from collections.abc import Sequence

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.index import Module
from tvusage_lint.python import layers as L
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.rules.hand_rolled import LAYER, at_hit, of

MESSAGE = (
    "hand-rolled stochastic depth (per-sample Bernoulli keep-mask, rescaled); "
    "use `torchvision.ops.stochastic_depth` or `torchvision.ops.StochasticDepth`"
)


@codes.unit("TVU404", LAYER)
def hand_rolled_stochastic_depth(module: Module, hits: Sequence[LayerHit]) -> list[Finding]:
    """Finds stochastic depth computed inline instead of ``torchvision.ops.stochastic_depth``."""
    return [at_hit(module, hit, "TVU404", MESSAGE) for hit in of(hits, L.STOCHASTIC_DEPTH)]
