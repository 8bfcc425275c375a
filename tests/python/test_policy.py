"""Which definitions are entry points (python/policy.py, index.py): exact findings."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, write_tree
from tvusage_lint.core.entries import EXEMPT, INHERITED, MISSING


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


# --- classes with behaviour are entry points, data holders are not ---------------------------


def test_io_class_with_behaviour_is_an_entry_point_data_holders_are_not(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/io/__init__.py": """
                from ._video_opt import Timebase, VideoMetaData
                from .image import ImageReadMode, Size
                from .video_reader import Frame, VideoReader

                __all__ = [
                    "Timebase",
                    "VideoMetaData",
                    "ImageReadMode",
                    "Size",
                    "Frame",
                    "VideoReader",
                ]
            """,
            "torchvision/io/_video_opt.py": """
                class Timebase:
                    __slots__ = ["numerator", "denominator"]

                    def __init__(self, numerator: int, denominator: int) -> None:
                        self.numerator = numerator
                        self.denominator = denominator


                class VideoMetaData:
                    def __init__(self) -> None:
                        self.video_timebase = Timebase(0, 1)

                    def __repr__(self) -> str:
                        return "VideoMetaData()"
            """,
            "torchvision/io/image.py": """
                from enum import Enum
                from typing import NamedTuple


                class ImageReadMode(Enum):
                    UNCHANGED = 0


                class Size(NamedTuple):
                    height: int
                    width: int
            """,
            "torchvision/io/video_reader.py": """
                import dataclasses


                @dataclasses.dataclass
                class Frame:
                    pts: float

                    def shifted(self, by: float) -> "Frame":
                        return Frame(self.pts + by)


                class VideoReader:
                    def __init__(self, src: str) -> None:
                        self.src = src

                    def __next__(self):
                        return self.src
            """,
        },
    )
    result = check(tmp_path)
    assert brief(result.findings) == [("TVU101", 12, "torchvision.io.video_reader.VideoReader")]
    assert sorted(e.symbol for e in result.entries if e.kind == "class") == [
        "torchvision.io.video_reader.VideoReader"
    ]


def test_subclass_of_a_class_with_behaviour_has_behaviour(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                from ..utils import _log_api_usage_once


                class Holder:
                    def __init__(self) -> None:
                        self.value = 0


                class Compose:
                    def __init__(self) -> None:
                        _log_api_usage_once(self)

                    def __call__(self, img):
                        return img


                class Chain(Compose):
                    pass


                class Record(Holder):
                    def __init__(self) -> None:
                        super().__init__()
            """,
        },
    )
    result = check(tmp_path)
    assert result.findings == []
    assert statuses(result) == {
        "torchvision.transforms.transforms.Compose": ("logged", ""),
        "torchvision.transforms.transforms.Chain": (
            INHERITED,
            "torchvision.transforms.transforms.Compose",
        ),
    }


# --- helpers of the kernel dispatch are not transforms ----------------------------------------


V2_FUNCTIONAL = {
    "torchvision/transforms/v2/functional/__init__.py": """
        from ._utils import is_pure_tensor, register_kernel  # usort: skip

        from ._geometry import resize, resize_image
    """,
    "torchvision/transforms/v2/functional/_utils.py": """
        import torch

        _KERNEL_REGISTRY = {}


        def is_pure_tensor(inpt) -> bool:
            return isinstance(inpt, torch.Tensor)


        def _register_kernel_internal(functional, input_type):
            registry = _KERNEL_REGISTRY.setdefault(functional, {})

            def decorator(kernel):
                registry[input_type] = kernel
                return kernel

            return decorator


        def register_kernel(functional, tv_tensor_cls):
            return _register_kernel_internal(functional, tv_tensor_cls)
    """,
    "torchvision/transforms/v2/functional/_geometry.py": """
        import torch

        from ._utils import _register_kernel_internal, is_pure_tensor


        def resize(inpt, size):
            if is_pure_tensor(inpt):
                return resize_image(inpt, size)
            return inpt


        @_register_kernel_internal(resize, torch.Tensor)
        def resize_image(image, size):
            return image
    """,
    # v1: no kernel dispatch, so every public function is a transform
    "torchvision/transforms/functional.py": """
        def get_image_size(img) -> list:
            return [1, 1]
    """,
}


def test_public_functions_of_the_dispatch_module_are_helpers(tmp_path: Path) -> None:
    write_tree(tmp_path, V2_FUNCTIONAL)
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU102", 1, "torchvision.transforms.functional.get_image_size"),
        ("TVU102", 6, "torchvision.transforms.v2.functional._geometry.resize"),
    ]
    helper = (
        EXEMPT,
        "helper of the kernel dispatch (its module defines `_register_kernel_internal`)",
    )
    got = statuses(result)
    assert got["torchvision.transforms.v2.functional._utils.is_pure_tensor"] == helper
    assert got["torchvision.transforms.v2.functional._utils.register_kernel"] == helper
    assert got["torchvision.transforms.v2.functional._geometry.resize_image"] == (
        EXEMPT,
        "kernel of torchvision.transforms.v2.functional._geometry.resize",
    )


def test_a_dispatcher_defined_beside_the_machinery_is_still_a_transform(tmp_path: Path) -> None:
    files = dict(V2_FUNCTIONAL)
    files["torchvision/transforms/v2/functional/_utils.py"] += """

        def erase(inpt):
            return inpt


        @_register_kernel_internal(erase, torch.Tensor)
        def erase_image(image):
            return image
    """
    files["torchvision/transforms/v2/functional/__init__.py"] = files[
        "torchvision/transforms/v2/functional/__init__.py"
    ].replace("register_kernel  #", "register_kernel, erase, erase_image  #")
    write_tree(tmp_path, files)
    assert brief(check(tmp_path).findings) == [
        ("TVU102", 1, "torchvision.transforms.functional.get_image_size"),
        ("TVU102", 6, "torchvision.transforms.v2.functional._geometry.resize"),
        ("TVU102", 24, "torchvision.transforms.v2.functional._utils.erase"),
    ]
