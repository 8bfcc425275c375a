"""--fix end to end: exact fixed text, idempotence, fixes that land in another file."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import check, fix, write_tree


def test_class_without_init_is_fixed_in_the_base_it_runs(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/segmentation/_utils.py": """
                from torch import nn


                class _SimpleSegmentationModel(nn.Module):
                    def __init__(self, backbone):
                        super().__init__()
                        self.backbone = backbone
            """,
            "torchvision/models/segmentation/fcn.py": """
                from ._utils import _SimpleSegmentationModel

                __all__ = ["FCN"]


                class FCN(_SimpleSegmentationModel):
                    pass
            """,
            "torchvision/models/segmentation/deeplabv3.py": """
                from ._utils import _SimpleSegmentationModel

                __all__ = ["DeepLabV3"]


                class DeepLabV3(_SimpleSegmentationModel):
                    pass
            """,
        },
    )
    before = check(tmp_path)
    assert [(f.code, f.path, f.line) for f in before.findings] == [
        ("TVU101", "torchvision/models/segmentation/deeplabv3.py", 6),
        ("TVU101", "torchvision/models/segmentation/fcn.py", 6),
    ]
    assert before.findings[0].fix is not None
    assert before.findings[0].fix.title == (
        "Insert `_log_api_usage_once(self)` in `_SimpleSegmentationModel.__init__`, "
        "which `DeepLabV3` runs"
    )
    fix(tmp_path)
    assert (tmp_path / "torchvision/models/segmentation/_utils.py").read_text() == (
        "from torch import nn\n"
        "\n"
        "from ...utils import _log_api_usage_once\n"
        "\n"
        "\n"
        "class _SimpleSegmentationModel(nn.Module):\n"
        "    def __init__(self, backbone):\n"
        "        super().__init__()\n"
        "        _log_api_usage_once(self)\n"
        "        self.backbone = backbone\n"
    )
    after = check(tmp_path)
    assert after.findings == []
    assert {
        e.symbol: e.status for e in after.entries if e.symbol.endswith(("FCN", "DeepLabV3"))
    } == {
        "torchvision.models.segmentation.fcn.FCN": "inherited",
        "torchvision.models.segmentation.deeplabv3.DeepLabV3": "inherited",
    }


def test_fix_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    import shutil

    fixtures = Path(__file__).parent.parent / "fixtures"
    tree = tmp_path / "t"
    shutil.copytree(fixtures, tree)
    fix(tree)
    snapshot = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    fix(tree)
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == snapshot
