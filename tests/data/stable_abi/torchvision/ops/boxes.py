import torch
from torch import Tensor

from ..utils import _log_api_usage_once


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(nms)
    return torch.ops.torchvision.nms(boxes, scores, iou_threshold)


def _box_iou_rotated(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    return torch.ops.torchvision.box_iou_rotated(boxes1, boxes2)


def box_iou(boxes1: Tensor, boxes2: Tensor, rotated: bool = False) -> Tensor:
    """Intersection over union."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(box_iou)
    if rotated:
        return _box_iou_rotated(boxes1, boxes2)
    return boxes1 @ boxes2.T
