"""Python rules on small trees: exact (code, line, symbol) for each behaviour."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, write_tree
from tvusage_lint.core.entries import EXEMPT, INHERITED, LOGGED, MISSING

GUARD = "if not torch.jit.is_scripting() and not torch.jit.is_tracing():"


def statuses(result) -> dict[str, tuple[str, str]]:
    return {e.symbol: (e.status, e.via) for e in result.entries}


# --- publicity -------------------------------------------------------------------------------


def test_module_all_decides_what_is_public(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                __all__ = ["nms"]

                def nms(boxes):
                    return boxes

                def box_iou(a, b):
                    return a
            """
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU102", 3, "torchvision.ops.boxes.nms")]


def test_package_all_decides_when_module_has_none(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/__init__.py": """
                from .poolers import MultiScaleRoIAlign
                __all__ = ["MultiScaleRoIAlign"]
            """,
            "torchvision/ops/poolers.py": """
                from torch import nn

                def initLevelMapper(k_min, k_max):
                    return k_min

                class MultiScaleRoIAlign(nn.Module):
                    def __init__(self):
                        super().__init__()
            """,
        },
    )
    assert brief(check(tmp_path).findings) == [
        ("TVU101", 6, "torchvision.ops.poolers.MultiScaleRoIAlign")
    ]


def test_private_module_counts_only_when_reexported(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/v2/__init__.py": "from ._geometry import Resize\n",
            "torchvision/transforms/v2/_geometry.py": """
                class Resize:
                    def __init__(self, size):
                        self.size = size

                    def __call__(self, img):
                        return img

                class Helper:
                    def __init__(self):
                        pass
            """,
        },
    )
    assert brief(check(tmp_path).findings) == [
        ("TVU101", 1, "torchvision.transforms.v2._geometry.Resize")
    ]


def test_star_reexport_makes_private_module_public(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/io/__init__.py": "from ._video import *\n",
            "torchvision/io/_video.py": """
                __all__ = ["read_video"]

                def read_video(path):
                    return path

                def read_other(path):
                    return path
            """,
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU102", 3, "torchvision.io._video.read_video")]


def test_out_of_scope_subpackages_are_not_checked(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/tv_tensors/_image.py": "def wrap(x):\n    return x\n",
            "torchvision/prototype/models.py": "def build():\n    return 1\n",
        },
    )
    assert check(tmp_path).findings == []


# --- models: main classes vs submodules ----------------------------------------------------------


def test_model_main_class_from_builder_and_submodule_exempt(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/detection/rpn.py": """
                from torch import nn

                class RPNHead(nn.Module):
                    def __init__(self):
                        super().__init__()
            """,
            "torchvision/models/detection/faster_rcnn.py": """
                from torch import nn
                from .rpn import RPNHead

                class FasterRCNN(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.head = RPNHead()

                def _build():
                    model = FasterRCNN()
                    return model

                def fasterrcnn_resnet50_fpn():
                    return _build()
            """,
        },
    )
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 4, "torchvision.models.detection.faster_rcnn.FasterRCNN")
    ]
    st = statuses(result)
    assert st["torchvision.models.detection.faster_rcnn.fasterrcnn_resnet50_fpn"] == (
        EXEMPT,
        "builder",
    )
    assert "torchvision.models.detection.rpn.RPNHead" not in st


def test_weights_enum_is_exempt(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/_api.py": """
                from enum import Enum

                class WeightsEnum(Enum):
                    pass
            """,
            "torchvision/models/resnet.py": """
                from ._api import WeightsEnum
                __all__ = ["ResNet18_Weights"]

                class ResNet18_Weights(WeightsEnum):
                    IMAGENET1K_V1 = 1
            """,
        },
    )
    result = check(tmp_path)
    assert result.findings == []
    assert statuses(result)["torchvision.models.resnet.ResNet18_Weights"] == (
        EXEMPT,
        "enum or non-API class",
    )


# --- inheritance across files --------------------------------------------------------------------


def test_inheritance_through_absolute_dotted_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/v2/_transform.py": """
                import torch
                from torchvision.utils import _log_api_usage_once

                class Transform(torch.nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self)
            """,
            "torchvision/transforms/v2/__init__.py": "from ._transform import Transform\nfrom ._misc import Identity\n",
            "torchvision/transforms/v2/_misc.py": """
                import torchvision.transforms.v2 as v2

                class Identity(v2.Transform):
                    pass
            """,
        },
    )
    result = check(tmp_path)
    assert result.findings == []
    assert statuses(result)["torchvision.transforms.v2._misc.Identity"] == (
        INHERITED,
        "torchvision.transforms.v2._transform.Transform",
    )


def test_init_without_super_does_not_inherit(tmp_path: Path) -> None:
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

                class Child(Base):
                    def __init__(self):
                        torch.nn.Module.__init__(self)

                class Other(Base):
                    def __init__(self):
                        self.x = 1
            """
        },
    )
    result = check(tmp_path)
    assert brief(result.findings) == [("TVU101", 13, "torchvision.transforms.transforms.Other")]
    assert statuses(result)["torchvision.transforms.transforms.Child"][0] == INHERITED


def test_strict_demands_an_own_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                import torch
                from ..utils import _log_api_usage_once

                class RandomResizedCrop(torch.nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self)

                class RandomSizedCrop(RandomResizedCrop):
                    pass
            """
        },
    )
    assert check(tmp_path).findings == []
    result = check(tmp_path, strict=True)
    assert brief(result.findings) == [
        ("TVU101", 9, "torchvision.transforms.transforms.RandomSizedCrop")
    ]
    assert result.findings[0].fix is None  # no __init__ to put the call in


# --- ops twins -----------------------------------------------------------------------------------


def test_twin_reverse_direction(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/roi_align.py": """
                from torch import nn
                from ..utils import _log_api_usage_once

                def roi_align(x):
                    return x

                class RoIAlign(nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self)
            """
        },
    )
    findings = check(tmp_path).findings
    assert brief(findings) == [("TVU105", 4, "torchvision.ops.roi_align.roi_align")]
    assert findings[0].message == "`roi_align` does not log but its twin class `RoIAlign` does"


# --- guards, positions, forms --------------------------------------------------------------------


def test_guard_forms(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": f"""
                import torch

                def _log_api_usage_once(obj):
                    pass

                def a(x):
                    {GUARD}
                        _log_api_usage_once(a)
                    return x

                def b(x):
                    if not (torch.jit.is_scripting() or torch.jit.is_tracing()):
                        _log_api_usage_once(b)
                    return x

                def c(x):
                    if torch.jit.is_scripting():
                        return x
                    _log_api_usage_once(c)
                    return x

                def d(x):
                    if not torch.jit.is_scripting():
                        _log_api_usage_once(d)
                    return x

                def e(x):
                    _log_api_usage_once(e)
                    return x
            """
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU203", 28, "torchvision.utils.e")]
    assert brief(check(tmp_path, extend=("TVU208",)).findings) == [
        ("TVU208", 19, "torchvision.utils.c"),
        ("TVU208", 23, "torchvision.utils.d"),
        ("TVU203", 28, "torchvision.utils.e"),
    ]


def test_local_imports_before_the_call_are_fine(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": f"""
                import torch

                def _log_api_usage_once(obj):
                    pass

                def draw(x):
                    \"\"\"Doc.\"\"\"
                    import math
                    {GUARD}
                        _log_api_usage_once(draw)
                    return math.floor(x)

                def late(x):
                    if x is None:
                        raise ValueError("x")
                    {GUARD}
                        _log_api_usage_once(late)
                    return x
            """
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU201", 17, "torchvision.utils.late")]


def test_wrong_argument_and_outdated_forms(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": f"""
                import torch
                from torch import nn
                from ..utils import _log_api_usage_once

                def nms(x):
                    {GUARD}
                        _log_api_usage_once(box_area)
                    return x

                def box_area(x):
                    _log_api_usage_once("torchvision.ops.boxes", "box_area")
                    return x

                class Ops(nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self.__module__, self.__class__.__name__)
            """
        },
    )
    findings = check(tmp_path).findings
    assert brief(findings) == [
        ("TVU204", 7, "torchvision.ops.boxes.nms"),
        ("TVU205", 11, "torchvision.ops.boxes.box_area"),
        ("TVU205", 17, "torchvision.ops.boxes.Ops"),
    ]
    assert [f.event for f in findings] == [
        "torchvision.ops.boxes.nms",
        "torchvision.ops.boxes.box_area",
        "torchvision.ops.boxes.Ops",
    ]


def test_misplaced_calls(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/io/video.py": f"""
                import torch
                from ..utils import _log_api_usage_once

                def read_video(path):
                    {GUARD}
                        _log_api_usage_once(read_video)

                    def inner():
                        _log_api_usage_once(inner)

                    return inner

                def write_video(path):
                    {GUARD}
                        _log_api_usage_once(self)
                    return path

                class VideoReader:
                    def seek(self, t):
                        _log_api_usage_once(self)
            """
        },
    )
    assert brief(check(tmp_path).findings) == [
        ("TVU207", 9, "torchvision.io.video.read_video.<locals>.inner"),
        ("TVU102", 13, "torchvision.io.video.write_video"),
        ("TVU207", 15, "torchvision.io.video.write_video"),
        ("TVU101", 18, "torchvision.io.video.VideoReader"),
        ("TVU207", 20, "torchvision.io.video.VideoReader"),
    ]


def test_extra_logging_in_helpers_is_fine(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/_utils.py": """
                from torch import nn
                from ..utils import _log_api_usage_once

                class IntermediateLayerGetter(nn.ModuleDict):
                    def __init__(self, model):
                        super().__init__(model)
                        _log_api_usage_once(self)
            """
        },
    )
    assert check(tmp_path).findings == []


def test_not_imported_with_attribute_callee_is_fine(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/io/image.py": f"""
                import torch
                import torchvision.utils as tvu

                def read_file(path):
                    {GUARD}
                        tvu._log_api_usage_once(read_file)
                    return path

                def write_file(path):
                    {GUARD}
                        _log_api_usage_once(write_file)
                    return path
            """
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU206", 11, "torchvision.io.image.write_file")]


# --- datasets --------------------------------------------------------------------------------------


def test_dataset_without_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/datasets/vision.py": """
                import torch.utils.data as data
                from ..utils import _log_api_usage_once

                class VisionDataset(data.Dataset):
                    def __init__(self, root):
                        _log_api_usage_once(self)
            """,
            "torchvision/datasets/folder.py": """
                from torch.utils.data import Dataset
                from .vision import VisionDataset

                class DatasetFolder(VisionDataset):
                    pass

                class LooseDataset(Dataset):
                    def __init__(self):
                        pass
            """,
        },
    )
    result = check(tmp_path)
    assert brief(result.findings) == [("TVU103", 7, "torchvision.datasets.folder.LooseDataset")]
    assert "does not derive from `VisionDataset`" in result.findings[0].message
    assert statuses(result)["torchvision.datasets.folder.DatasetFolder"] == (
        INHERITED,
        "torchvision.datasets.vision.VisionDataset",
    )


# --- suppressions and configuration ------------------------------------------------------------------


def test_suppressions_on_line_and_def_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                def nms(x):  # tvusage: ignore[TVU102]
                    return x

                def box_area(x):  # tvusage: ignore
                    return x

                def box_iou(x):  # tvusage: ignore[TVU101, TVU102]
                    return x
            """
        },
    )
    findings = check(tmp_path).findings
    assert [(f.code, f.line, f.message) for f in findings] == [
        ("TVU900", 7, "suppression of TVU101 suppresses nothing")
    ]


def test_exempt_globs_and_scope_overrides(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": "def nms(x):\n    return x\n",
            "torchvision/io/image.py": "def read_file(x):\n    return x\n",
        },
    )
    result = check(
        tmp_path,
        table={"exempt": ["torchvision.ops.*"], "per-subpackage": {"io": {"functions": "none"}}},
    )
    assert result.findings == []
    st = statuses(result)
    assert st["torchvision.ops.boxes.nms"] == (EXEMPT, "configured exempt")
    assert "torchvision.io.image.read_file" not in st


def test_single_file_run_still_sees_the_package(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                import torch
                from ..utils import _log_api_usage_once

                class RandomResizedCrop(torch.nn.Module):
                    def __init__(self):
                        super().__init__()
                        _log_api_usage_once(self)
            """,
            "torchvision/transforms/extra.py": """
                from .transforms import RandomResizedCrop

                class RandomSizedCrop(RandomResizedCrop):
                    pass

                class Lonely:
                    def __init__(self):
                        pass

                    def __call__(self, img):
                        return img
            """,
        },
    )
    result = check(tmp_path, "torchvision/transforms/extra.py")
    assert brief(result.findings) == [("TVU101", 6, "torchvision.transforms.extra.Lonely")]
    assert {f.path for f in result.findings} == {"torchvision/transforms/extra.py"}


def test_missing_statuses_listed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/io/image.py": "def read_file(x):\n    return x\n"})
    result = check(tmp_path)
    assert statuses(result)["torchvision.io.image.read_file"] == (MISSING, "")
    assert statuses(result)["torchvision.io.image.read_file"][0] != LOGGED


def test_subclass_of_a_missing_base_waits_for_the_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                import torch

                class RandomResizedCrop(torch.nn.Module):
                    def __init__(self):
                        super().__init__()

                class RandomSizedCrop(RandomResizedCrop):
                    pass

                class Detached(RandomResizedCrop):
                    def __init__(self):
                        self.x = 1
            """
        },
    )
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 3, "torchvision.transforms.transforms.RandomResizedCrop"),
        ("TVU101", 10, "torchvision.transforms.transforms.Detached"),
    ]
    assert statuses(result)["torchvision.transforms.transforms.RandomSizedCrop"] == (MISSING, "")
    strict = check(tmp_path, strict=True)
    assert [f.line for f in strict.findings] == [3, 7, 10]


def test_logging_dataset_base_without_subclasses_is_the_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/datasets/vision.py": """
                import torch.utils.data as data
                from ..utils import _log_api_usage_once

                class VisionDataset(data.Dataset):
                    def __init__(self, root):
                        _log_api_usage_once(self)
            """
        },
    )
    result = check(tmp_path)
    assert result.findings == []
    assert statuses(result)["torchvision.datasets.vision.VisionDataset"] == (LOGGED, "")


def test_class_returned_by_a_builder_is_api_even_if_not_in_all(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/detection/ssd.py": """
                from torch import nn
                __all__ = ["ssd300_vgg16"]

                class SSD(nn.Module):
                    def __init__(self):
                        super().__init__()

                def ssd300_vgg16():
                    model = SSD()
                    return model
            """
        },
    )
    assert brief(check(tmp_path).findings) == [
        ("TVU101", 4, "torchvision.models.detection.ssd.SSD")
    ]


def test_a_kernel_wrapper_calling_another_modules_function_does_not_exempt_it(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/io/image.py": "def decode_jpeg(x):\n    return x\n",
            "torchvision/transforms/v2/functional/__init__.py": "from ._augment import jpeg\n",
            "torchvision/transforms/v2/functional/_augment.py": """
                import torch
                from torchvision.io.image import decode_jpeg
                from torchvision.utils import _log_api_usage_once
                from ._utils import _register_kernel_internal

                def jpeg(image, quality):
                    if torch.jit.is_scripting():
                        return image

                    _log_api_usage_once(jpeg)
                    return image

                @_register_kernel_internal(jpeg, torch.Tensor)
                def _jpeg_image(image, quality):
                    return decode_jpeg(image)
            """,
            "torchvision/transforms/v2/functional/_utils.py": "def _register_kernel_internal(f, t):\n    return f\n",
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU102", 1, "torchvision.io.image.decode_jpeg")]


def test_suppression_of_a_switched_off_code_is_not_unused(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": """
                import torch

                def _log_api_usage_once(obj):
                    pass

                def make_grid(x):
                    if not torch.jit.is_scripting():  # tvusage: ignore[TVU208]
                        _log_api_usage_once(make_grid)
                    return x

                def save_image(x):  # tvusage: ignore[TVU999]
                    if not torch.jit.is_scripting():
                        _log_api_usage_once(save_image)
                    return x
            """
        },
    )
    assert [(f.code, f.line, f.message) for f in check(tmp_path).findings] == [
        ("TVU900", 11, "suppression names unknown rule code TVU999")
    ]
    assert [(f.code, f.line) for f in check(tmp_path, extend=("TVU208",)).findings] == [
        ("TVU900", 11),
        ("TVU208", 12),
    ]


def test_strict_datasets_agree_in_check_and_coverage(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/datasets/vision.py": """
                import torch.utils.data as data
                from ..utils import _log_api_usage_once

                class VisionDataset(data.Dataset):
                    def __init__(self, root):
                        _log_api_usage_once(self)
            """,
            "torchvision/datasets/mnist.py": """
                from .vision import VisionDataset

                class MNIST(VisionDataset):
                    def __init__(self, root):
                        super().__init__(root)
            """,
        },
    )
    assert check(tmp_path).findings == []
    strict = check(tmp_path, strict=True)
    assert brief(strict.findings) == [("TVU101", 3, "torchvision.datasets.mnist.MNIST")]
    assert statuses(strict)["torchvision.datasets.mnist.MNIST"] == (MISSING, "")


def test_self_logged_in_a_function_does_not_count(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                from ..utils import _log_api_usage_once

                def nms(boxes):
                    _log_api_usage_once(self)
                    return boxes
            """
        },
    )
    assert brief(check(tmp_path).findings) == [
        ("TVU102", 3, "torchvision.ops.boxes.nms"),
        ("TVU207", 4, "torchvision.ops.boxes.nms"),
    ]


def test_no_fix_in_a_helper_module_that_lacks_the_helper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"torchvision/utils.py": "def make_grid(x):\n    return x\n"},
        helper=False,
    )
    findings = check(tmp_path).findings
    assert brief(findings) == [("TVU102", 1, "torchvision.utils.make_grid")]
    assert findings[0].fix is None


def test_no_fixes_when_the_project_defines_no_helper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"},
        helper=False,
    )
    result = check(tmp_path)
    assert brief(result.findings) == [("TVU102", 1, "torchvision.ops.boxes.nms")]
    assert result.findings[0].fix is None
    assert result.warnings == [
        "no module defines `_log_api_usage_once` (expected in torchvision.utils): "
        "missing calls are reported without fixes"
    ]


def test_a_non_strict_subpackage_under_global_strict_still_waits_for_the_base(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/transforms.py": """
                import torch

                class RandomResizedCrop(torch.nn.Module):
                    def __init__(self):
                        super().__init__()

                class RandomSizedCrop(RandomResizedCrop):
                    pass
            """
        },
    )
    table = {"strict": True, "per-subpackage": {"transforms": {"strict": False}}}
    assert brief(check(tmp_path, table=table).findings) == [
        ("TVU101", 3, "torchvision.transforms.transforms.RandomResizedCrop")
    ]
