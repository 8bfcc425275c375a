from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import write_tree
from tvusage_lint.frontends import flake8 as plugin


def test_plugin_reports_package_aware_findings(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                import torch
                from ..utils import _log_api_usage_once

                class Base(torch.nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self)
            """,
            "torchvision/transforms/more.py": """
                from .transforms import Base

                class Covered(Base):
                    pass

                def helper():
                    pass

                class Lonely:
                    def __init__(self):
                        pass

                    def __call__(self, img):
                        return img
            """,
        },
    )
    path = tmp_path / "torchvision/transforms/more.py"
    found = list(plugin.Plugin(ast.parse(path.read_text()), str(path)).run())
    assert found == [
        (
            9,
            0,
            "TVU101 `Lonely.__init__` does not call `_log_api_usage_once(self)` "
            "(and does not call `super().__init__()`, so no ancestor covers it)",
            plugin.Plugin,
        )
    ]


def test_flake8_runs_the_plugin_through_its_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_tree(tmp_path, {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"})
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "TVU", "torchvision"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == (
        "torchvision/ops/boxes.py:1:1: TVU102 public function `nms` does not call "
        "`_log_api_usage_once(nms)`\n"
    )
