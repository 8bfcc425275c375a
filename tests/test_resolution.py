"""Name resolution on module graphs that used to hang or mislead a run: deleted modules,
re-export cycles, self-imports, star-import webs, a module beside a same-named package,
links. Each resolves in one pass (a few milliseconds here); the resolver this replaced ran
for minutes on the deleted-module trees, so a regression fails on the alarm below instead
of hanging the test run."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import brief, check, fix, write_tree
from tvusage_lint.engine import Result

SIGNATURES = "(input, boxes, output_size, spatial_scale=1.0)"
OPS = {  # module → (function, class), as torchvision.ops has them
    "roi_pool": ("roi_pool", "RoIPool"),
    "roi_align": ("roi_align", "RoIAlign"),
    "ps_roi_align": ("ps_roi_align", "PSRoIAlign"),
    "ps_roi_pool": ("ps_roi_pool", "PSRoIPool"),
    "stochastic_depth": ("stochastic_depth", "StochasticDepth"),
}
OP_MODULE = """\
import torch
from torch import nn

from ..utils import _log_api_usage_once


def {fn}{sig}:
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once({fn})
    return input


class {cls}(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        _log_api_usage_once(self)
"""
MODEL = """\
from torch import nn

from ..ops.stochastic_depth import StochasticDepth
from ..ops import roi_align
from ..utils import _log_api_usage_once

__all__ = ["{cls}", "{fn}"]


class {cls}(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        _log_api_usage_once(self)
        self.drop = StochasticDepth()


def {fn}() -> {cls}:
    return {cls}()
"""


def torchvision_tree(root: Path) -> Path:
    """ops re-exporting from one module per operator, models star-importing their modules,
    detection importing through the package: the shape of torchvision 0.29."""
    files = {
        "torchvision/__init__.py": "from torchvision import models, ops\n",
        "torchvision/ops/boxes.py": "def nms(boxes, scores, iou_threshold):\n    return boxes\n",
        "torchvision/ops/__init__.py": "from .boxes import nms\n"
        + "".join(f"from .{m} import {fn}, {cls}\n" for m, (fn, cls) in OPS.items())
        + "from .poolers import MultiScaleRoIAlign\n\n__all__ = ["
        + ", ".join(['"nms"', '"MultiScaleRoIAlign"'] + [f'"{n}"' for p in OPS.values() for n in p])
        + "]\n",
        "torchvision/ops/poolers.py": (
            "from torch import nn\n\nfrom .roi_align import roi_align\n"
            "from ..utils import _log_api_usage_once\n\n\n"
            "class MultiScaleRoIAlign(nn.Module):\n    def __init__(self) -> None:\n"
            "        super().__init__()\n        _log_api_usage_once(self)\n"
        ),
        "torchvision/models/__init__.py": "".join(
            f"from .{name} import *\n" for name in ("alexnet", "convnext", "efficientnet")
        )
        + "from . import detection\n",
        "torchvision/models/detection/__init__.py": "from .faster_rcnn import *\n",
        "torchvision/models/detection/faster_rcnn.py": (
            "from torch import nn\n\nfrom torchvision.ops import MultiScaleRoIAlign, RoIPool\n"
            "from ...ops import boxes as box_ops\nfrom ...utils import _log_api_usage_once\n\n"
            '__all__ = ["FasterRCNN"]\n\n\nclass FasterRCNN(nn.Module):\n'
            "    def __init__(self) -> None:\n        super().__init__()\n"
            "        _log_api_usage_once(self)\n        self.pool = RoIPool()\n"
        ),
    }
    for module, (fn, cls) in OPS.items():
        files[f"torchvision/ops/{module}.py"] = OP_MODULE.format(fn=fn, cls=cls, sig=SIGNATURES)
    for name, cls in (
        ("alexnet", "AlexNet"),
        ("convnext", "ConvNeXt"),
        ("efficientnet", "EfficientNet"),
    ):
        files[f"torchvision/models/{name}.py"] = MODEL.format(cls=cls, fn=f"{name}_b0")
    return write_tree(root, files)


NMS = [("TVU102", 1, "torchvision.ops.boxes.nms")]


@pytest.fixture(autouse=True)
def bounded() -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("name resolution ran for more than 60 s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def lookup(result: Result, module: str, name: str) -> str | None:
    assert result.index is not None
    return result.index._lookup(result.index.modules[module], name)


def test_the_whole_tree_resolves_its_re_exports(tmp_path: Path) -> None:
    result = check(torchvision_tree(tmp_path))
    assert brief(result.findings) == NMS
    assert lookup(result, "torchvision.ops", "RoIPool") == "torchvision.ops.roi_pool.RoIPool"
    assert lookup(result, "torchvision.models", "convnext_b0") == (
        "torchvision.models.convnext.convnext_b0"
    )


@pytest.mark.parametrize("deleted", sorted(OPS))
def test_a_deleted_module_still_re_exported_is_unknown_and_the_run_finishes(
    tmp_path: Path, deleted: str
) -> None:
    root = torchvision_tree(tmp_path)
    (root / f"torchvision/ops/{deleted}.py").unlink()
    result = check(root)
    assert brief(result.findings) == NMS
    fn, cls = OPS[deleted]
    # `from .roi_pool import roi_pool` without the module names the package's own binding
    assert lookup(result, "torchvision.ops", fn) is None
    assert lookup(result, "torchvision.ops", cls) is None
    assert result.index is not None
    assert result.index.canonical(f"torchvision.ops.{cls}") == f"torchvision.ops.{cls}"
    others = [c for m, (_, c) in OPS.items() if m != deleted]
    assert [lookup(result, "torchvision.ops", c) for c in others] == [
        f"torchvision.ops.{m}.{c}" for m, (_, c) in OPS.items() if m != deleted
    ]


def test_an_in_tree_link_is_indexed_under_its_name_and_reported_once_at_the_target(
    tmp_path: Path,
) -> None:
    root = torchvision_tree(tmp_path)
    target = root / "torchvision/_impl_roi_pool.py"
    (root / "torchvision/ops/roi_pool.py").rename(target)
    target.write_text(target.read_text().replace("        _log_api_usage_once(self)\n", ""))
    os.symlink("../_impl_roi_pool.py", root / "torchvision/ops/roi_pool.py")
    result = check(root)
    assert lookup(result, "torchvision.ops", "RoIPool") == "torchvision.ops.roi_pool.RoIPool"
    assert [(f.code, f.line, f.symbol, f.path) for f in result.findings] == [
        ("TVU105", 13, "torchvision.ops.roi_pool.RoIPool", "torchvision/_impl_roi_pool.py"),
        ("TVU102", 1, "torchvision.ops.boxes.nms", "torchvision/ops/boxes.py"),
    ]
    assert sorted(result.sources) == sorted(
        str(p.relative_to(root).as_posix()) for p in root.rglob("*.py") if not p.is_symlink()
    )


def test_a_fix_for_a_linked_module_edits_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    root = torchvision_tree(tmp_path)
    target = root / "torchvision/_impl_roi_pool.py"
    (root / "torchvision/ops/roi_pool.py").rename(target)
    logged = target.read_text()
    target.write_text(logged.replace("        _log_api_usage_once(self)\n", ""))
    os.symlink("../_impl_roi_pool.py", root / "torchvision/ops/roi_pool.py")
    assert brief(fix(root).findings) == []  # boxes.nms fixed too
    assert target.read_text() == logged
    assert os.readlink(root / "torchvision/ops/roi_pool.py") == "../_impl_roi_pool.py"


def test_a_link_beside_its_target_reports_under_the_target_s_name(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"})
    os.symlink("boxes.py", root / "torchvision/ops/alias.py")
    result = check(root)
    assert brief(result.findings) == [("TVU102", 1, "torchvision.ops.boxes.nms")]
    assert lookup(result, "torchvision.ops.alias", "nms") == "torchvision.ops.alias.nms"


def small(tmp_path: Path, files: dict[str, str]) -> Result:
    return check(write_tree(tmp_path, {f"torchvision/ops/{k}": v for k, v in files.items()}))


def test_a_self_import_is_unknown(tmp_path: Path) -> None:
    result = small(
        tmp_path,
        {
            "selfish.py": "from torchvision.ops.selfish import ghost, nms\n"
            "from .selfish import *\n\n\ndef nms(x):\n    return ghost(x)\n",
        },
    )
    assert lookup(result, "torchvision.ops.selfish", "ghost") is None
    assert lookup(result, "torchvision.ops.selfish", "nms") == "torchvision.ops.selfish.nms"
    assert brief(result.findings) == [("TVU102", 5, "torchvision.ops.selfish.nms")]


def test_a_re_export_cycle_is_unknown_in_every_member(tmp_path: Path) -> None:
    result = small(
        tmp_path,
        {
            "a.py": "from .b import x\n",
            "b.py": "from .a import x\n",
            "c.py": "from .a import x\n\n\nclass C(x):\n    pass\n",
        },
    )
    assert [lookup(result, f"torchvision.ops.{m}", "x") for m in "abc"] == [None] * 3
    assert result.index is not None
    module = result.index.modules["torchvision.ops.c"]
    assert result.index.bases(module, module.defined["C"]) == ["builtins.x"]  # type: ignore[arg-type]
    assert brief(result.findings) == []


def test_an_alias_cycle_is_unknown(tmp_path: Path) -> None:
    result = small(tmp_path, {"a.py": "import torch\n\nx = y\ny = x.z\nw = torch.nn\n"})
    assert lookup(result, "torchvision.ops.a", "x") is None
    assert lookup(result, "torchvision.ops.a", "y") is None
    assert lookup(result, "torchvision.ops.a", "w") == "torch.nn"


def test_a_star_import_web(tmp_path: Path) -> None:
    result = small(
        tmp_path,
        {
            "__init__.py": "from .a import *\nfrom .d import *\n",
            # a star source leading back to the importer makes the name unknown there:
            # Python's answer would depend on which module is imported first
            "a.py": "from .b import *\nfrom .c import *\n",
            "b.py": "from .a import *\nfrom . import *\n",
            "c.py": "def x():\n    pass\n\n\ndef y():\n    pass\n",
            "d.py": "from .c import *\n__all__ = ['y']\n",
            "e.py": "from .c import *\nfrom .a import *\n",
        },
    )
    got = {
        (m, n): lookup(result, f"torchvision.ops{m}", n)
        for m in ("", ".a", ".b", ".c", ".d", ".e")
        for n in "xy"
    }
    c = "torchvision.ops.c"
    assert got == {
        ("", "x"): None,  # a first: a cycle
        ("", "y"): None,
        (".a", "x"): None,
        (".a", "y"): None,
        (".b", "x"): None,
        (".b", "y"): None,
        (".c", "x"): f"{c}.x",
        (".c", "y"): f"{c}.y",
        (".d", "x"): f"{c}.x",  # d's __all__ limits what d exports, not what it has
        (".d", "y"): f"{c}.y",
        (".e", "x"): f"{c}.x",  # c comes first
        (".e", "y"): f"{c}.y",
    }


def test_a_module_beside_a_same_named_package_loses_to_the_package(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "torchvision/ops/foo/__init__.py": "from .impl import nms\n",
            "torchvision/ops/foo/impl.py": "def nms(x):\n    return x\n",
            "torchvision/ops/foo.py": "def nms(x):\n    return x\n\n\ndef other(x):\n    return x\n",
            "torchvision/ops/user.py": "from .foo import nms\n",
        },
    )
    result = check(root)
    assert lookup(result, "torchvision.ops.user", "nms") == "torchvision.ops.foo.impl.nms"
    assert brief(result.findings) == [("TVU102", 1, "torchvision.ops.foo.impl.nms")]
