"""One call in the shared base (python/placement.py): exact findings and fixed text."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, fix, write_tree


def fixes(result) -> list[tuple[str, str, str]]:
    """(symbol, fix target, file the fix edits) per finding."""
    return [
        (f.symbol, f.fix.target, f.fix.param("file") or f.path) if f.fix else (f.symbol, "", "")
        for f in result.findings
    ]


RANDOM_TRANSFORMS = """
    from collections.abc import Sequence

    import torch

    __all__ = ["RandomOrder", "RandomChoice"]


    class RandomTransforms:
        def __init__(self, transforms):
            if not isinstance(transforms, Sequence):
                raise TypeError("Argument transforms should be a sequence")
            self.transforms = transforms

        def __call__(self, *args, **kwargs):
            raise NotImplementedError()


    class RandomOrder(RandomTransforms):
        def __call__(self, img):
            return img


    class RandomChoice(RandomTransforms):
        def __init__(self, transforms, p=None):
            super().__init__(transforms)
            self.p = p

        def __call__(self, *args):
            return args
"""

RANDOM_TRANSFORMS_FIXED = """
    from collections.abc import Sequence

    import torch

    from ..utils import _log_api_usage_once

    __all__ = ["RandomOrder", "RandomChoice"]


    class RandomTransforms:
        def __init__(self, transforms):
            _log_api_usage_once(self)
            if not isinstance(transforms, Sequence):
                raise TypeError("Argument transforms should be a sequence")
            self.transforms = transforms

        def __call__(self, *args, **kwargs):
            raise NotImplementedError()
"""


def test_classes_running_one_base_get_one_call_there(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/transforms/transforms.py": RANDOM_TRANSFORMS})
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 18, "torchvision.transforms.transforms.RandomOrder"),
        ("TVU101", 23, "torchvision.transforms.transforms.RandomChoice"),
    ]
    path = "torchvision/transforms/transforms.py"
    assert fixes(result) == [
        ("torchvision.transforms.transforms.RandomOrder", "RandomTransforms.__init__", path),
        ("torchvision.transforms.transforms.RandomChoice", "RandomTransforms.__init__", path),
    ]
    fix(tmp_path, unsafe=False)
    text = (tmp_path / path).read_text()
    assert text.startswith(_dedent(RANDOM_TRANSFORMS_FIXED))
    assert text.count("_log_api_usage_once(self)") == 1
    assert check(tmp_path).findings == []


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).lstrip("\n")


CONV = {
    "torchvision/ops/__init__.py": """
        from .misc import Conv2dNormActivation, Conv3dNormActivation

        __all__ = ["Conv2dNormActivation", "Conv3dNormActivation"]
    """,
    "torchvision/ops/misc.py": """
        import torch


        class ConvNormActivation(torch.nn.Sequential):
            def __init__(self, in_channels, out_channels, conv_layer=torch.nn.Conv2d):
                layers = [conv_layer(in_channels, out_channels, 3)]
                super().__init__(*layers)
                self.out_channels = out_channels


        class Conv2dNormActivation(ConvNormActivation):
            def __init__(self, in_channels, out_channels):
                super().__init__(in_channels, out_channels, torch.nn.Conv2d)


        class Conv3dNormActivation(ConvNormActivation):
            def __init__(self, in_channels, out_channels):
                super().__init__(in_channels, out_channels, torch.nn.Conv3d)
    """,
    # a submodule of a model that runs Conv2dNormActivation: logged by its call either way
    "torchvision/models/regnet.py": """
        from ..ops.misc import Conv2dNormActivation


        class SimpleStemIN(Conv2dNormActivation):
            def __init__(self, width_in, width_out):
                super().__init__(width_in, width_out)
    """,
}


def test_base_run_only_through_the_missing_classes_gets_the_call(tmp_path: Path) -> None:
    write_tree(tmp_path, CONV)
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 11, "torchvision.ops.misc.Conv2dNormActivation"),
        ("TVU101", 16, "torchvision.ops.misc.Conv3dNormActivation"),
    ]
    assert {target for _, target, _ in fixes(result)} == {"ConvNormActivation.__init__"}
    fix(tmp_path, unsafe=False)
    assert (tmp_path / "torchvision/ops/misc.py").read_text() == _dedent(
        """
        import torch

        from ..utils import _log_api_usage_once


        class ConvNormActivation(torch.nn.Sequential):
            def __init__(self, in_channels, out_channels, conv_layer=torch.nn.Conv2d):
                layers = [conv_layer(in_channels, out_channels, 3)]
                super().__init__(*layers)
                _log_api_usage_once(self)
                self.out_channels = out_channels


        class Conv2dNormActivation(ConvNormActivation):
            def __init__(self, in_channels, out_channels):
                super().__init__(in_channels, out_channels, torch.nn.Conv2d)


        class Conv3dNormActivation(ConvNormActivation):
            def __init__(self, in_channels, out_channels):
                super().__init__(in_channels, out_channels, torch.nn.Conv3d)
        """
    )
    assert check(tmp_path).findings == []


def test_a_base_other_classes_also_run_is_not_used(tmp_path: Path) -> None:
    files = dict(CONV)
    files["torchvision/models/regnet.py"] = """
        from ..ops.misc import ConvNormActivation


        class SimpleStemIN(ConvNormActivation):
            def __init__(self, width_in, width_out):
                super().__init__(width_in, width_out)
    """
    write_tree(tmp_path, files)
    result = check(tmp_path)
    assert [target for _, target, _ in fixes(result)] == [
        "Conv2dNormActivation.__init__",
        "Conv3dNormActivation.__init__",
    ]


RCNN = {
    "torchvision/models/detection/__init__.py": "from .faster_rcnn import *\n",
    "torchvision/models/detection/generalized_rcnn.py": '''
        from torch import nn


        class GeneralizedRCNN(nn.Module):
            """Main class for Generalized R-CNN."""

            def __init__(self, backbone, rpn):
                super().__init__()
                self.backbone = backbone
                self.rpn = rpn
    ''',
    "torchvision/models/detection/faster_rcnn.py": """
        from .generalized_rcnn import GeneralizedRCNN

        __all__ = ["FasterRCNN", "fasterrcnn_resnet50_fpn"]


        class FasterRCNN(GeneralizedRCNN):
            def __init__(self, backbone):
                super().__init__(backbone, None)


        def fasterrcnn_resnet50_fpn():
            return FasterRCNN(None)
    """,
    "torchvision/models/detection/mask_rcnn.py": """
        from .faster_rcnn import FasterRCNN

        __all__ = ["MaskRCNN"]


        class MaskRCNN(FasterRCNN):
            def __init__(self, backbone):
                super().__init__(backbone)
    """,
}


def test_the_call_goes_into_the_base_in_another_file(tmp_path: Path) -> None:
    write_tree(tmp_path, RCNN)
    result = check(tmp_path)
    # MaskRCNN waits for FasterRCNN (pending), as before
    assert brief(result.findings) == [
        ("TVU101", 6, "torchvision.models.detection.faster_rcnn.FasterRCNN")
    ]
    assert fixes(result) == [
        (
            "torchvision.models.detection.faster_rcnn.FasterRCNN",
            "GeneralizedRCNN.__init__",
            "torchvision/models/detection/generalized_rcnn.py",
        )
    ]
    fix(tmp_path, unsafe=False)
    assert (tmp_path / "torchvision/models/detection/generalized_rcnn.py").read_text() == _dedent(
        '''
        from torch import nn

        from ...utils import _log_api_usage_once


        class GeneralizedRCNN(nn.Module):
            """Main class for Generalized R-CNN."""

            def __init__(self, backbone, rpn):
                super().__init__()
                _log_api_usage_once(self)
                self.backbone = backbone
                self.rpn = rpn
        '''
    )
    assert (
        "_log_api_usage_once"
        not in (tmp_path / "torchvision/models/detection/faster_rcnn.py").read_text()
    )
    assert check(tmp_path).findings == []


def test_a_base_in_another_subpackage_is_not_used(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/misc.py": """
                import torch

                __all__ = []


                class Block(torch.nn.Module):
                    def __init__(self):
                        super().__init__()
            """,
            "torchvision/transforms/transforms.py": """
                from ..ops.misc import Block


                class Blur(Block):
                    def __init__(self):
                        super().__init__()

                    def forward(self, img):
                        return img
            """,
        },
    )
    result = check(tmp_path, "torchvision/transforms")
    assert brief(result.findings) == [("TVU101", 4, "torchvision.transforms.transforms.Blur")]
    assert fixes(result) == [
        ("torchvision.transforms.transforms.Blur", "Blur.__init__", result.findings[0].path)
    ]


def test_no_second_call_in_a_chain_that_reaches_a_forced_base(tmp_path: Path) -> None:
    # a private helper also runs RandomTransforms, so the base is not clean; RandomOrder
    # (no __init__) can only log there, and RandomChoice, which runs it, gets no call of its own
    text = (
        RANDOM_TRANSFORMS
        + """

    class _Shuffled(RandomTransforms):
        def __init__(self, transforms):
            super().__init__(transforms)
    """
    )
    write_tree(tmp_path, {"torchvision/transforms/transforms.py": text})
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 18, "torchvision.transforms.transforms.RandomOrder"),
        ("TVU101", 23, "torchvision.transforms.transforms.RandomChoice"),
    ]
    assert {target for _, target, _ in fixes(result)} == {"RandomTransforms.__init__"}
    fix(tmp_path, unsafe=False)
    fixed = (tmp_path / "torchvision/transforms/transforms.py").read_text()
    assert fixed.count("_log_api_usage_once(self)") == 1
    assert check(tmp_path).findings == []


def test_without_a_forced_base_each_class_keeps_its_own_call(tmp_path: Path) -> None:
    text = (
        RANDOM_TRANSFORMS.replace(
            "class RandomOrder(RandomTransforms):\n        def __call__",
            "class RandomOrder(RandomTransforms):\n"
            "        def __init__(self, transforms):\n"
            "            super().__init__(transforms)\n\n"
            "        def __call__",
        )
        + """

    class _Shuffled(RandomTransforms):
        def __init__(self, transforms):
            super().__init__(transforms)
    """
    )
    write_tree(tmp_path, {"torchvision/transforms/transforms.py": text})
    result = check(tmp_path)
    assert [target for _, target, _ in fixes(result)] == [
        "RandomOrder.__init__",
        "RandomChoice.__init__",
    ]
