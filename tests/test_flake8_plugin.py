from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import write_tree
from tvusage_lint import flake8 as plugin


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
