"""The import a fix adds follows how the file, then its package, imports the helper's module."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import HELPER_MODULE, check, write_tree

DEFORM_CONV = """
    from torch import nn
    from torchvision.extension import _assert_has_ops


    def deform_conv2d(input, offset, weight):
        _assert_has_ops()
        return input
"""


def import_params(tmp_path: Path) -> list[str]:
    return [f.fix.param("import") for f in check(tmp_path).findings if f.fix]


def test_siblings_importing_the_helper_module_beat_the_files_other_imports(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": HELPER_MODULE + "\n\ndef _make_ntuple(x, n):\n    return x\n",
            "torchvision/ops/deform_conv.py": DEFORM_CONV,
            "torchvision/ops/misc.py": "from ..utils import _make_ntuple\n",
        },
    )
    assert import_params(tmp_path) == ["..utils"]


def test_without_such_imports_the_files_project_imports_decide(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/deform_conv.py": DEFORM_CONV,
            "torchvision/ops/misc.py": "from ..extension import _assert_has_ops\n",
        },
    )
    assert import_params(tmp_path) == ["torchvision.utils"]
