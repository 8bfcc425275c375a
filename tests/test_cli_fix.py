"""--fix, --diff, --unsafe-fixes, --exit-non-zero-on-fix through the command line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli as run
from tests.helpers import write_tree

TREE = {
    "torchvision/ops/boxes.py": """
        import torch

        from ..utils import _log_api_usage_once


        def nms(x):
            \"\"\"Non-maximum suppression.\"\"\"
            return x
    """,
    "torchvision/ops/misc.py": """
        import torch

        from ..utils import _log_api_usage_once


        class Permute(torch.nn.Module):
            def __init__(self, dims):
                super().__init__()
                self.dims = dims
                _log_api_usage_once(self)
    """,
}

FIXED_BOXES = '''import torch

from ..utils import _log_api_usage_once


def nms(x):
    """Non-maximum suppression."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(nms)
    return x
'''


def test_diff_shows_and_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    before = (tmp_path / "torchvision/ops/boxes.py").read_text()
    result = run(["check", "--diff", "--no-cache", "torchvision"], tmp_path)
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/torchvision/ops/boxes.py\n"
        "+++ b/torchvision/ops/boxes.py\n"
        "@@ -5,4 +5,6 @@\n"
        " \n"
        " def nms(x):\n"
        '     """Non-maximum suppression."""\n'
        "+    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "+        _log_api_usage_once(nms)\n"
        "     return x\n"
    )
    assert (tmp_path / "torchvision/ops/boxes.py").read_text() == before


def test_fix_applies_safe_fixes_and_reports_the_rest(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "--fix", "--no-cache", "torchvision"], tmp_path)
    assert (tmp_path / "torchvision/ops/boxes.py").read_text() == FIXED_BOXES
    assert result.exit_code == 1  # the unsafe TVU201 is left
    assert result.stdout.splitlines()[0] == (
        "torchvision/ops/misc.py:10:9: TVU201 `_log_api_usage_once(self)` is not right after "
        "`super().__init__()` in `Permute.__init__` [-]"
    )
    assert "Fixed 1 file." in result.stderr


def test_unsafe_fixes_move_the_call(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "--fix", "--unsafe-fixes", "--no-cache", "torchvision"], tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "torchvision/ops/misc.py").read_text().splitlines()[6:10] == [
        "    def __init__(self, dims):",
        "        super().__init__()",
        "        _log_api_usage_once(self)",
        "        self.dims = dims",
    ]


def test_exit_non_zero_on_fix_for_pre_commit(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    args = [
        "check",
        "--fix",
        "--unsafe-fixes",
        "--exit-non-zero-on-fix",
        "--no-cache",
        "torchvision",
    ]
    assert run(args, tmp_path).exit_code == 1
    assert run(args, tmp_path).exit_code == 0  # nothing left to change


def test_what_cannot_be_fixed_is_said(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                import torch
                from ..utils import _log_api_usage_once

                def nms(x): return x
            """
        },
    )
    result = run(["check", "--fix", "--no-cache", "torchvision"], tmp_path)
    assert result.exit_code == 1
    assert "torchvision/ops/boxes.py:4:1: TVU102 not fixed: " in result.stderr
