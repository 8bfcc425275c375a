import torch
from torch import Tensor

from ..utils import _log_api_usage_once


def roi_align(input: Tensor, boxes: Tensor, output_size: int, spatial_scale: float = 1.0) -> Tensor:
    """Region-of-interest align."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(roi_align)
    return torch.ops.torchvision.roi_align(input, boxes, spatial_scale, output_size, output_size, -1, False)
