import torch
from torch import nn, Tensor

from ..utils import _log_api_usage_once

_C = torch.ops.torchvision


class RoIPool(nn.Module):
    """Region-of-interest pooling."""

    def __init__(self, output_size: int, spatial_scale: float) -> None:
        super().__init__()
        _log_api_usage_once(self)
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        output, _ = _C.roi_pool(input, rois, self.spatial_scale, self.output_size, self.output_size)
        return output
