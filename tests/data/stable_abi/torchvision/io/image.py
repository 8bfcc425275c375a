import torch

from ..utils import _log_api_usage_once


def decode_jpeg(input: torch.Tensor, mode: int = 0) -> torch.Tensor:
    """Decode a JPEG image."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(decode_jpeg)
    return torch.ops.image.decode_jpeg(input, mode)


def encode_jpeg(input: torch.Tensor, quality: int = 75) -> torch.Tensor:
    """Encode an image as JPEG."""
    return torch.ops.image.encode_jpeg(input, quality)
