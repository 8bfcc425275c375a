"""Which definitions are entry points (python/policy.py, index.py): exact findings."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, write_tree
from tvusage_lint.entries import INHERITED, MISSING


def statuses(result) -> dict[str, tuple[str, str]]:
    return {e.symbol: (e.status, e.via) for e in result.entries}


# --- a public package's __all__ beats the defining module's -------------------------------------


STEREO = {
    "torchvision/datasets/__init__.py": """
        from ._stereo_matching import CarlaStereo
        from .vision import VisionDataset

        __all__ = ("VisionDataset", "CarlaStereo")
    """,
    "torchvision/datasets/vision.py": """
        import torch.utils.data as data

        from ..utils import _log_api_usage_once


        class VisionDataset(data.Dataset):
            def __init__(self, root):
                _log_api_usage_once(self)
                self.root = root
    """,
    "torchvision/datasets/_stereo_matching.py": """
        from abc import ABC

        from .vision import VisionDataset

        __all__ = ()


        class StereoMatchingDataset(ABC, VisionDataset):
            def __init__(self, root):
                super().__init__(root)


        class CarlaStereo(StereoMatchingDataset):
            def __init__(self, root):
                self.root = root


        class Unlisted(StereoMatchingDataset):
            def __init__(self, root):
                self.root = root
    """,
}


def test_class_listed_by_a_public_package_is_public_whatever_its_module_all_says(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, STEREO)
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU103", 13, "torchvision.datasets._stereo_matching.CarlaStereo")
    ]
    assert statuses(result)["torchvision.datasets._stereo_matching.CarlaStereo"] == (MISSING, "")
    assert "torchvision.datasets._stereo_matching.Unlisted" not in statuses(result)


def test_intact_reexported_dataset_is_inherited(tmp_path: Path) -> None:
    files = dict(STEREO)
    files["torchvision/datasets/_stereo_matching.py"] = files[
        "torchvision/datasets/_stereo_matching.py"
    ].replace("self.root = root", "super().__init__(root)")
    write_tree(tmp_path, files)
    result = check(tmp_path)
    assert result.findings == []
    assert statuses(result)["torchvision.datasets._stereo_matching.CarlaStereo"] == (
        INHERITED,
        "torchvision.datasets.vision.VisionDataset",
    )
