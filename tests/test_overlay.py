"""The engine's overlay: editor buffers read instead of the files on disk."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import settings, write_tree
from tvusage_lint.engine import Engine

TREE = {
    "torchvision/ops/boxes.py": """
        import torch

        from ..utils import _log_api_usage_once


        def nms(x):
            if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                _log_api_usage_once(nms)
            return x
    """,
    "torchvision/models/_base.py": """
        import torch


        class _Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
    """,
    "torchvision/models/resnet.py": """
        from ._base import _Net

        __all__ = ["ResNet"]


        class ResNet(_Net):
            def __init__(self, depth):
                super().__init__()
                self.depth = depth
    """,
}


def _codes(root: Path, overlay: dict[Path, bytes], path: str) -> list[tuple[str, int, str]]:
    engine = Engine(settings(), overlay=overlay)
    result = engine.run([str(root / path)], cwd=root)
    return [(f.code, f.line, f.symbol) for f in result.findings]


def test_overlay_replaces_the_file_on_disk(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    boxes = tmp_path / "torchvision/ops/boxes.py"
    assert _codes(tmp_path, {}, "torchvision/ops/boxes.py") == []
    buffer = boxes.read_text() + "\n\ndef box_area(b):\n    return b\n"
    assert _codes(tmp_path, {boxes: buffer.encode()}, "torchvision/ops/boxes.py") == [
        ("TVU102", 12, "torchvision.ops.boxes.box_area")
    ]
    assert "box_area" not in boxes.read_text()


def test_overlay_of_a_context_file_changes_what_inherits(tmp_path: Path) -> None:
    """An unsaved base class that gains its call covers the subclass in another file."""
    write_tree(tmp_path, TREE)
    base = tmp_path / "torchvision/models/_base.py"
    assert _codes(tmp_path, {}, "torchvision/models/resnet.py") == [
        ("TVU101", 6, "torchvision.models.resnet.ResNet"),
    ]
    logged = "from ..utils import _log_api_usage_once\n" + base.read_text().replace(
        "super().__init__()\n", "super().__init__()\n        _log_api_usage_once(self)\n"
    )
    assert _codes(tmp_path, {base: logged.encode()}, "torchvision/models/resnet.py") == []
