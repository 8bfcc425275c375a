"""Hand-rolled copies of the ``torchvision.ops`` layers (RFC pytorch/vision#4333), as facts.

``scan`` walks one parsed module (``walk.py``) and each layer family matches in
its own module, as ruff gives each rule its own file: ``conv_norm_act``,
``squeeze_excitation``, ``mlp``, ``stochastic_depth``, ``frozen_batchnorm``; ``base`` holds what they
share (the hit they record and how a call is read as a layer).

May import: ``python.ast_util`` only (facts: a file's text alone decides them).
"""

from __future__ import annotations

from tvusage_lint.python.layers.base import (
    CONV_NORM_ACT,
    FROZEN_BATCH_NORM,
    MLP,
    SQUEEZE_EXCITATION,
    STOCHASTIC_DEPTH,
    LayerHit,
)
from tvusage_lint.python.layers.walk import Lines, scan, trigger_lines

__all__ = [
    "CONV_NORM_ACT",
    "FROZEN_BATCH_NORM",
    "MLP",
    "SQUEEZE_EXCITATION",
    "STOCHASTIC_DEPTH",
    "LayerHit",
    "Lines",
    "scan",
    "trigger_lines",
]
