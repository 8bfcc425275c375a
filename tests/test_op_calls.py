"""``torch.ops.<lib>.<op>(...)`` calls per function, the facts the linker reads."""

from __future__ import annotations

import textwrap

from tvusage_lint.python.facts import OpCall, extract


def facts(source: str):
    return extract(textwrap.dedent(source).lstrip("\n").encode())


def test_calls_with_their_owner() -> None:
    found = facts(
        """
        import torch


        def roi_align(x):
            if x.is_quantized:
                return torch.ops.torchvision.qroi_align(x)
            return torch.ops.torchvision.roi_align.default(x)


        class RoIPool:
            def forward(self, x):
                def inner(y):
                    return torch.ops.torchvision.roi_pool(y)

                return inner(x)


        def decode(data):
            return [torch.ops.image.decode_jpeg(d) for d in data]


        VERSION = torch.ops.torchvision._cuda_version()
        """
    )
    assert found.op_calls == (
        OpCall("roi_align", "torchvision", "qroi_align", 6),
        OpCall("roi_align", "torchvision", "roi_align", 7),
        OpCall("RoIPool.forward.<locals>.inner", "torchvision", "roi_pool", 13),
        OpCall("decode", "image", "decode_jpeg", 19),
        OpCall("", "torchvision", "_cuda_version", 22),
    )


def test_module_level_aliases_are_followed() -> None:
    found = facts(
        """
        import torch
        from torch import ops as _ops

        _C = torch.ops.torchvision
        _image = _ops.image


        def nms(boxes):
            return _C.nms(boxes)


        def decode(data):
            return _image.decode_png(data)
        """
    )
    assert [(c.owner, c.library, c.op) for c in found.op_calls] == [
        ("nms", "torchvision", "nms"),
        ("decode", "image", "decode_png"),
    ]


def test_not_operator_calls() -> None:
    found = facts(
        """
        import torch


        def load(path, name):
            torch.ops.load_library(path)
            op = getattr(torch.ops.torchvision, name)
            return op(path), torch.ops.torchvision
        """
    )
    assert found.op_calls == ()
    assert found.local_calls == ()


def test_local_calls_only_where_an_operator_is_called() -> None:
    source = """
        import torch


        def _impl(boxes):
            return torch.ops.torchvision.box_iou_rotated(boxes, boxes)


        def box_iou(boxes):
            _check(boxes)
            return _impl(boxes)


        def _check(boxes):
            return len(boxes)
        """
    assert facts(source).local_calls == (("box_iou", "_check"), ("box_iou", "_impl"))
    without = source.replace("torch.ops.torchvision.box_iou_rotated", "torch.add")
    assert facts(without).local_calls == ()
