import torch


def _log_api_usage_once(obj) -> None:
    module = obj.__module__
    name = obj.__class__.__name__
    torch._C._log_api_usage_once(f"{module}.{name}")
