"""``events`` lists every logging call at the string it emits, evaluated as the tree's
own helper evaluates it (issue #18)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

ROOT = Path(__file__).parent.parent
MACRO = re.compile(r"\bC10_LOG_API_USAGE_ONCE\s*\(")


def catalogue(root: Path, *paths: str) -> dict:
    result = run_cli(
        ["events", "--no-cache", "--format", "json", *(paths or ("torchvision",))], root
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(data: dict) -> list[tuple]:
    return [(e["event"], e["symbol"], e["kind"], e["via"]) for e in data["events"]]


# --- every call is in the catalogue: checked against a scan that shares no code with it ------


def scan_sites(root: Path) -> set[tuple[str, int]]:
    """(path, line) of every call of ``_log_api_usage_once`` / ``torch._C._log_api_usage_once``
    outside the helper's own body, and of every C++ macro outside comments."""
    sites: set[tuple[str, int]] = set()
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # TVU001: not analysed
        inside_helper: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "_log_api_usage_once":
                inside_helper |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in inside_helper:
                func = ast.unparse(node.func)
                if func == "_log_api_usage_once" or func.endswith("._log_api_usage_once"):
                    sites.add((path.relative_to(root).as_posix(), node.lineno))
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".cpp", ".cu", ".mm"):
            continue
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), path.read_text())
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("//", 1)[0]
            if MACRO.search(code) and not code.lstrip().startswith("#"):
                sites.add((path.relative_to(root).as_posix(), number))
    return sites


TREES = {
    "fixtures": ROOT / "fixtures",
    "torchvision_excerpt": ROOT / "tests" / "data" / "torchvision_excerpt",
    "stable_abi": ROOT / "tests" / "data" / "stable_abi",
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_every_logging_call_of_a_tree_is_catalogued(name: str) -> None:
    root = TREES[name]
    sites = scan_sites(root)
    assert sites, "the tree has logging calls"
    data = catalogue(root)
    listed = set()
    for e in data["events"]:
        assert f"{e['call_path']}:{e['call_line']}" == e["calls"][0]
        listed |= {(c.rpartition(":")[0], int(c.rpartition(":")[2])) for c in e["calls"]}
    assert sorted(sites - listed) == []
    assert sorted(listed - sites) == []


# --- what each form emits ---------------------------------------------------------------------

VISION_011 = """
    import torch
    import torch.utils.data as data


    class VisionDataset(data.Dataset):
        def __init__(self, root: str) -> None:
            torch._C._log_api_usage_once(f"torchvision.datasets.{self.__class__.__name__}")
            self.root = root
"""
MNIST_011 = """
    from .vision import VisionDataset


    class MNIST(VisionDataset):
        def __init__(self, root: str) -> None:
            super(MNIST, self).__init__(root)


    class FashionMNIST(MNIST):
        pass


    class Broken(VisionDataset):
        def __init__(self, root: str) -> None:
            self.root = root  # never reaches VisionDataset.__init__: emits nothing
"""
DATASETS_INIT = """
    from .mnist import MNIST, Broken, FashionMNIST
    from .vision import VisionDataset

    __all__ = ("MNIST", "FashionMNIST", "Broken", "VisionDataset")
"""


def test_the_0_11_f_string_expands_once_per_dataset_class_reaching_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/datasets/__init__.py": DATASETS_INIT,
            "torchvision/datasets/vision.py": VISION_011,
            "torchvision/datasets/mnist.py": MNIST_011,
        },
        helper=False,  # torchvision 0.11 had no helper: torch._C is called directly
    )
    data = catalogue(tmp_path)
    assert rows(data) == [
        (
            "torchvision.datasets.FashionMNIST",
            "torchvision.datasets.mnist.FashionMNIST",
            "inherited",
            "torchvision.datasets.vision.VisionDataset",
        ),
        (
            "torchvision.datasets.MNIST",
            "torchvision.datasets.mnist.MNIST",
            "inherited",
            "torchvision.datasets.vision.VisionDataset",
        ),
        (
            "torchvision.datasets.VisionDataset",
            "torchvision.datasets.vision.VisionDataset",
            "entry",
            None,
        ),
    ]
    assert {(e["call_path"], e["call_line"]) for e in data["events"]} == {
        ("torchvision/datasets/vision.py", 7)
    }


HELPER_DEC_2021 = """
    import torch


    def _log_api_usage_once(module: str, name: str) -> None:
        if torch.jit.is_scripting() or torch.jit.is_tracing():
            return
        torch._C._log_api_usage_once(f"torchvision.{module}.{name}")
"""
RESNET_DEC_2021 = """
    import torch

    from ..utils import _log_api_usage_once

    __all__ = ["ResNet"]


    class ResNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            _log_api_usage_once("models", self.__class__.__name__)
"""
QUANT_RESNET = """
    from ..resnet import ResNet

    __all__ = ["QuantizableResNet"]


    class QuantizableResNet(ResNet):
        pass
"""


def test_the_two_argument_form_is_joined_by_the_tree_helper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": HELPER_DEC_2021,
            "torchvision/models/resnet.py": RESNET_DEC_2021,
            "torchvision/models/quantization/resnet.py": QUANT_RESNET,
        },
    )
    assert rows(catalogue(tmp_path)) == [
        (
            "torchvision.models.QuantizableResNet",
            "torchvision.models.quantization.resnet.QuantizableResNet",
            "inherited",
            "torchvision.models.resnet.ResNet",
        ),
        ("torchvision.models.ResNet", "torchvision.models.resnet.ResNet", "entry", None),
    ]


def test_another_helper_joins_the_same_call_its_own_way(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/utils.py": """
                import torch


                def _log_api_usage_once(module: str, name: str) -> None:
                    torch._C._log_api_usage_once(f"{module}.{name}")
            """,
            "torchvision/models/resnet.py": RESNET_DEC_2021.replace(
                '"models", self.__class__.__name__', "self.__module__, type(self).__name__"
            ),
            "torchvision/models/quantization/resnet.py": QUANT_RESNET,
        },
    )
    assert [e[0] for e in rows(catalogue(tmp_path))] == [
        "torchvision.models.quantization.resnet.QuantizableResNet",
        "torchvision.models.resnet.ResNet",
    ]


HELPER_0_12 = """
    from types import FunctionType

    import torch


    def _log_api_usage_once(obj) -> None:
        if not obj.__module__.startswith("torchvision"):
            return
        name = obj.__class__.__name__
        if isinstance(obj, FunctionType):
            name = obj.__name__
        torch._C._log_api_usage_once(f"{obj.__module__}.{name}")
"""
HELPER_0_14 = """
    from types import FunctionType

    import torch


    def _log_api_usage_once(obj) -> None:
        module = obj.__module__
        if not module.startswith("torchvision"):
            module = f"torchvision.internal.{module}"
        name = obj.__class__.__name__
        if isinstance(obj, FunctionType):
            name = obj.__name__
        torch._C._log_api_usage_once(f"{module}.{name}")
"""
DOWNSTREAM_NMS = """
    import torch
    from torch.nn.functional import relu

    from ..utils import _log_api_usage_once

    __all__ = ["nms"]


    def nms(x):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            _log_api_usage_once(nms)
            _log_api_usage_once(relu)
        return x
"""


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        # 0.12's helper returns early for objects from other packages: a library that
        # copied it logs nothing at all (and relu's module is not known statically)
        (HELPER_0_12, [("<_log_api_usage_once(relu)>", "vision_ext.ops.boxes.nms", "entry")]),
        # since 0.14 they are logged under torchvision.internal
        (
            HELPER_0_14,
            [
                ("<_log_api_usage_once(relu)>", "vision_ext.ops.boxes.nms", "entry"),
                (
                    "torchvision.internal.vision_ext.ops.boxes.nms",
                    "vision_ext.ops.boxes.nms",
                    "entry",
                ),
            ],
        ),
    ],
)
def test_a_helper_decides_what_a_downstream_package_emits(
    tmp_path: Path, helper: str, expected: list[tuple[str, str, str]]
) -> None:
    write_tree(
        tmp_path,
        {"vision_ext/utils.py": helper, "vision_ext/ops/boxes.py": DOWNSTREAM_NMS},
        helper=False,
    )
    data = catalogue(tmp_path, "vision_ext")
    assert [
        (e["event"] or f"<{e['expression']}>", e["symbol"], e["kind"]) for e in data["events"]
    ] == expected


def test_a_string_that_cannot_be_known_is_null_with_its_expression(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                import torch

                from ..utils import _log_api_usage_once

                __all__ = ["nms", "box_area", "box_iou"]


                def nms(x, prefix):
                    torch._C._log_api_usage_once(prefix + ".nms")
                    return x


                def box_area(x, fn):
                    _log_api_usage_once(fn)
                    return x


                def box_iou(x):
                    _log_api_usage_once(obj=box_iou)  # keywords are not bound: unknown
                    return x
            """,
        },
    )
    data = catalogue(tmp_path)
    assert [(e["event"], e["symbol"], e["expression"]) for e in data["events"]] == [
        (None, "torchvision.ops.boxes.box_area", "_log_api_usage_once(fn)"),
        (None, "torchvision.ops.boxes.box_iou", "_log_api_usage_once(obj=box_iou)"),
        (None, "torchvision.ops.boxes.nms", 'torch._C._log_api_usage_once(f"{prefix}.nms")'),
    ]
    assert data["duplicates"] == []


def test_bases_and_building_blocks_that_log_self_emit_their_own_events(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/__init__.py": """
                from .misc import Conv2dNormActivation

                __all__ = ["Conv2dNormActivation"]
            """,
            "torchvision/ops/misc.py": """
                import torch

                from ..utils import _log_api_usage_once


                class ConvNormActivation(torch.nn.Sequential):
                    def __init__(self, layers) -> None:
                        super().__init__(*layers)
                        _log_api_usage_once(self)


                class Conv2dNormActivation(ConvNormActivation):
                    def __init__(self) -> None:
                        super().__init__([])
            """,
            "torchvision/models/regnet.py": """
                import torch

                from ..ops.misc import Conv2dNormActivation
                from ..utils import _log_api_usage_once

                __all__ = ["RegNet"]


                class SimpleStemIN(Conv2dNormActivation):
                    def __init__(self) -> None:
                        super().__init__()


                class PatchMerging(torch.nn.Module):
                    def __init__(self) -> None:
                        super().__init__()
                        _log_api_usage_once(self)


                class RegNet(torch.nn.Module):
                    def __init__(self) -> None:
                        super().__init__()
                        _log_api_usage_once(self)
            """,
        },
    )
    assert rows(catalogue(tmp_path)) == [
        (
            "torchvision.models.regnet.PatchMerging",
            "torchvision.models.regnet.PatchMerging",
            "extra",
            None,
        ),
        ("torchvision.models.regnet.RegNet", "torchvision.models.regnet.RegNet", "entry", None),
        (
            "torchvision.models.regnet.SimpleStemIN",
            "torchvision.models.regnet.SimpleStemIN",
            "inherited",
            "torchvision.ops.misc.ConvNormActivation",
        ),
        (
            "torchvision.ops.misc.Conv2dNormActivation",
            "torchvision.ops.misc.Conv2dNormActivation",
            "inherited",
            "torchvision.ops.misc.ConvNormActivation",
        ),
        (
            "torchvision.ops.misc.ConvNormActivation",
            "torchvision.ops.misc.ConvNormActivation",
            "base",
            None,
        ),
    ]


def test_facts_keep_the_argument_parts_and_the_helper_body() -> None:
    from textwrap import dedent

    from tvusage_lint.python import facts as F

    helper = F.extract(dedent(HELPER_0_14).encode()).helper
    assert helper == F.HelperFact(
        params=("obj",),
        steps=(
            F.HelperStep("assign", "module", (("x", "obj.__module__"),), ()),
            F.HelperStep(
                "assign",
                "module",
                (("s", "torchvision.internal."), ("x", "module")),
                (("!startswith", "module", "torchvision"),),
            ),
            F.HelperStep("assign", "name", (("x", "obj.__class__.__name__"),), ()),
            F.HelperStep(
                "assign", "name", (("x", "obj.__name__"),), (("isinstance", "obj", "FunctionType"),)
            ),
            F.HelperStep("emit", "", (("x", "module"), ("s", "."), ("x", "name")), ()),
        ),
    )
    calls = F.extract(
        b"class A:\n"
        b"    def __init__(self):\n"
        b'        _log_api_usage_once("models", type(self).__name__)\n'
        b'        torch._C._log_api_usage_once("a." + self.__module__ + f".{x!r}")\n'
    ).log_calls
    assert [c.args for c in calls] == [
        ((("s", "models"),), (("x", "self.__class__.__name__"),)),
        ((("s", "a."), ("x", "self.__module__"), ("?", "f'.{x!r}'")),),
    ]
