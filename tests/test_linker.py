"""Operators ↔ Python callers on a package in the middle of the stable-ABI migration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import check, fix, write_tree
from tvusage_lint.core.entries import CALLER, EXEMPT, KIND_OPERATOR, LOGGED, MISSING
from tvusage_lint.cpp import facts as cfacts
from tvusage_lint.cpp.stable import ABI_STABLE

DATA = Path(__file__).parent / "data" / "stable_abi"
CPP = (".cpp", ".cu", ".mm", ".h")

FINDINGS = [
    ("TVU304", "torchvision/csrc/ops/deform_conv2d.cpp", 7, "torchvision::deform_conv2d"),
    ("TVU301", "torchvision/csrc/ops/ps_roi_pool.cpp", 10, "vision::ops::ps_roi_pool"),
    ("TVU304", "torchvision/io/image.py", 13, "torchvision.io.image.encode_jpeg"),
]

OPERATORS = [
    ("image::decode_jpeg", CALLER, "torchvision.io.image.decode_jpeg"),
    ("image::_jpeg_version", EXEMPT, "private operator"),
    ("image::encode_jpeg", MISSING, ""),
    ("torchvision::box_iou_rotated", CALLER, "torchvision.ops.boxes.box_iou"),  # private helper
    ("torchvision::deform_conv2d", MISSING, ""),
    ("torchvision::nms", LOGGED, "vision::ops::nms"),  # legacy, its C++ front end logs
    ("torchvision::ps_roi_pool", MISSING, ""),  # legacy, TVU301 reports its front end
    ("torchvision::roi_align", CALLER, "torchvision.ops.roi_align.roi_align"),
    ("torchvision::_roi_align_backward", EXEMPT, "private operator"),
    ("torchvision::roi_pool", CALLER, "torchvision.ops.roi_pool.RoIPool"),  # through forward
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "torchvision", tmp_path / "torchvision")
    return tmp_path


def brief(result) -> list[tuple[str, str, int, str]]:
    return [(f.code, f.path, f.line, f.symbol) for f in result.findings]


def test_findings(tree: Path) -> None:
    assert brief(check(tree)) == FINDINGS


def test_messages_say_what_to_do(tree: Path) -> None:
    messages = {f.path: f.message for f in check(tree).findings if f.code == "TVU304"}
    assert messages["torchvision/io/image.py"] == (
        "public function `encode_jpeg` calls the stable-ABI operator `image::encode_jpeg` "
        "(`torch.ops.image.encode_jpeg`) but does not call `_log_api_usage_once(encode_jpeg)`: "
        "nothing records their use"
    )
    assert messages["torchvision/csrc/ops/deform_conv2d.cpp"] == (
        "stable-ABI operator `torchvision::deform_conv2d` cannot log in C++ and is not "
        "recorded: no public Python function calls `torch.ops.torchvision.deform_conv2d`"
    )


def test_every_operator_in_coverage(tree: Path) -> None:
    result = check(tree)
    rows = [(e.symbol, e.status, e.via) for e in result.entries if e.kind == KIND_OPERATOR]
    assert rows == OPERATORS
    events = {e.symbol: e.event for e in result.entries if e.kind == KIND_OPERATOR}
    assert events["torchvision::roi_pool"] == "torchvision.ops.roi_pool.RoIPool"
    assert events["torchvision::nms"] == "torchvision.csrc.ops.nms.nms"
    assert events["image::encode_jpeg"] == "torchvision.io.image.encode_jpeg"  # once fixed
    assert events["torchvision::deform_conv2d"] == ""
    # stable front ends are no C++ entry points of their own any more
    assert [e.symbol for e in result.entries if e.kind == "cpp"] == [
        "vision::ops::nms",
        "vision::ops::ps_roi_pool",
    ]


def test_tvu304_replaces_tvu102_and_gives_it_back_when_ignored(tree: Path) -> None:
    result = check(tree, table={"ignore": ["TVU304"]})
    assert brief(result) == [
        ("TVU301", "torchvision/csrc/ops/ps_roi_pool.cpp", 10, "vision::ops::ps_roi_pool"),
        ("TVU102", "torchvision/io/image.py", 13, "torchvision.io.image.encode_jpeg"),
    ]


def test_fix_leaves_every_stable_unit_byte_identical(tree: Path) -> None:
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.suffix in CPP}
    stable = [
        p for p, data in before.items() if cfacts.extract(data, p.name).unit.abi == ABI_STABLE
    ]
    assert len(stable) == 7
    fix(tree)
    assert [p for p in stable if p.read_bytes() != before[p]] == []
    changed = sorted(
        p.relative_to(tree).as_posix() for p, data in before.items() if p.read_bytes() != data
    )
    assert changed == ["torchvision/csrc/ops/ps_roi_pool.cpp"]  # legacy: TVU301 still fixed
    assert (tree / "torchvision/io/image.py").read_text() == (
        "import torch\n"
        "\n"
        "from ..utils import _log_api_usage_once\n"
        "\n"
        "\n"
        "def decode_jpeg(input: torch.Tensor, mode: int = 0) -> torch.Tensor:\n"
        '    """Decode a JPEG image."""\n'
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(decode_jpeg)\n"
        "    return torch.ops.image.decode_jpeg(input, mode)\n"
        "\n"
        "\n"
        "def encode_jpeg(input: torch.Tensor, quality: int = 75) -> torch.Tensor:\n"
        '    """Encode an image as JPEG."""\n'
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(encode_jpeg)\n"
        "    return torch.ops.image.encode_jpeg(input, quality)\n"
    )
    result = check(tree)
    assert brief(result) == [FINDINGS[0]]  # a registration without caller: no fix
    statuses = {e.symbol: e.status for e in result.entries if e.kind == KIND_OPERATOR}
    assert statuses["image::encode_jpeg"] == CALLER


def test_suppression_on_the_def_line(tree: Path) -> None:
    image = tree / "torchvision/io/image.py"
    text = image.read_text().replace(
        "def encode_jpeg(input: torch.Tensor, quality: int = 75) -> torch.Tensor:",
        "def encode_jpeg(input: torch.Tensor, quality: int = 75) -> torch.Tensor:  # tvusage: ignore[TVU304]",
    )
    image.write_text(text)
    assert [f.path for f in check(tree).findings if f.code == "TVU304"] == [
        "torchvision/csrc/ops/deform_conv2d.cpp"
    ]


def test_operator_exempt_by_name(tree: Path) -> None:
    result = check(tree, table={"exempt": ["torchvision::deform_conv2d", "image::*"]})
    assert [f for f in brief(result) if f[0] == "TVU304"] == []


def test_a_caller_that_does_not_log_but_is_exempt_moves_the_finding(tree: Path) -> None:
    result = check(tree, table={"exempt": ["torchvision.io.image.encode_jpeg"]})
    found = [(f.path, f.line, f.message) for f in result.findings if f.code == "TVU304"]
    assert found[0] == (
        "torchvision/csrc/io/image/cpu/encode_jpeg.cpp",
        14,
        "stable-ABI operator `image::encode_jpeg` cannot log in C++ and is not recorded: "
        "its public callers (`torchvision.io.image.encode_jpeg`) do not log",
    )
    assert [f[0] for f in found] == [
        "torchvision/csrc/io/image/cpu/encode_jpeg.cpp",
        "torchvision/csrc/ops/deform_conv2d.cpp",
    ]


def test_without_the_python_package_nothing_is_guessed(tree: Path) -> None:
    result = check(tree, "torchvision/csrc/ops/deform_conv2d.cpp")
    assert brief(result) == []
    assert [e.symbol for e in result.entries if e.kind == KIND_OPERATOR] == []
    assert result.warnings == [
        "stable-ABI operators not checked (1): their Python callers are not part of this run "
        "(check the package root)"
    ]


def test_a_python_file_alone_is_judged_as_in_a_full_run(tree: Path) -> None:
    """pre-commit passes changed files: a module calling ``torch.ops`` brings its package's
    csrc in as context, so it gets TVU304 (not TVU102), and nothing of the C++ is reported."""
    result = check(tree, "torchvision/io/image.py")
    assert brief(result) == [
        ("TVU304", "torchvision/io/image.py", 13, "torchvision.io.image.encode_jpeg")
    ]
    assert [e for e in result.entries if e.kind in (KIND_OPERATOR, "cpp")] == []


def test_several_operators_of_one_caller_make_one_finding(tmp_path: Path) -> None:
    unit = """
        #include <torch/csrc/stable/library.h>
        STABLE_TORCH_LIBRARY_FRAGMENT(image, m) {
          m.def("decode_jpeg(Tensor data) -> Tensor");
          m.def("decode_jpegs_cuda(Tensor[] data) -> Tensor[]");
        }
    """
    write_tree(
        tmp_path,
        {
            "torchvision/csrc/io/image/image.cpp": unit,
            "torchvision/io/image.py": """
                import torch


                def decode_jpeg(input, device="cpu"):
                    if device == "cuda":
                        return torch.ops.image.decode_jpegs_cuda([input])[0]
                    return torch.ops.image.decode_jpeg(input)
            """,
        },
    )
    result = check(tmp_path)
    assert brief(result) == [
        ("TVU304", "torchvision/io/image.py", 4, "torchvision.io.image.decode_jpeg")
    ]
    assert "`image::decode_jpeg`, `image::decode_jpegs_cuda`" in result.findings[0].message


FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_bundled_fixtures_operators() -> None:
    """Legacy operators are logged by their C++ front ends; the one ported unit is not."""
    result = check(FIXTURES)
    rows = [(e.symbol, e.status, e.via, e.event) for e in result.entries if e.kind == KIND_OPERATOR]
    assert rows == [
        (
            "image::decode_png",
            LOGGED,
            "vision::image::decode_png",
            "torchvision.csrc.io.image.cpu.decode_png.decode_png",
        ),
        ("image::encode_png", MISSING, "", ""),
        (
            "image::read_file",
            LOGGED,
            "vision::image::read_file",
            "torchvision.csrc.io.image.cpu.read_write_file.read_file",
        ),
        ("image::_jpeg_version", EXEMPT, "private operator", ""),
        (
            "video_reader::probe_video_from_file",
            LOGGED,
            "vision::video_reader::probe_video_from_file",
            "torchvision.csrc.io.video_reader.video_reader.probe_video_from_file",
        ),
        ("torchvision::nms", LOGGED, "vision::ops::nms", "torchvision.csrc.ops.nms.nms"),
        (
            "torchvision::ps_roi_align",
            MISSING,
            "",
            "torchvision.ops.ps_roi_align.ps_roi_align",
        ),
        (
            "torchvision::roi_align",
            LOGGED,
            "vision::ops::roi_align",
            "torchvision.csrc.ops.roi_align.roi_align",
        ),
        ("torchvision::_roi_align_backward", EXEMPT, "private operator", ""),
    ]


def test_bundled_fixtures_fix(tmp_path: Path) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    unit = tree / "torchvision/csrc/ops/ps_roi_align.cpp"
    before = unit.read_bytes()
    fix(tree)
    assert unit.read_bytes() == before
    assert (tree / "torchvision/ops/ps_roi_align.py").read_text() == (
        "import torch\n"
        "from torch import Tensor\n"
        "\n"
        "from ..utils import _log_api_usage_once\n"
        "\n"
        "\n"
        "def ps_roi_align(input: Tensor, boxes: Tensor, output_size: int, spatial_scale: float = 1.0) -> Tensor:\n"
        '    """Position-sensitive region-of-interest align (TVU304: its operator is stable-ABI)."""\n'
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(ps_roi_align)\n"
        "    output, _ = torch.ops.torchvision.ps_roi_align(input, boxes, spatial_scale, output_size, output_size, -1)\n"
        "    return output\n"
    )
    statuses = {e.symbol: (e.status, e.via) for e in check(tree).entries}
    assert statuses["torchvision::ps_roi_align"] == (
        CALLER,
        "torchvision.ops.ps_roi_align.ps_roi_align",
    )


def test_an_operator_with_only_a_kernel_in_csrc(tmp_path: Path) -> None:
    """The schema may be defined elsewhere (``torch.library`` in Python): the kernel names it."""
    write_tree(
        tmp_path,
        {
            "torchvision/csrc/ops/cpu/fused_kernel.cpp": """
                #include <torch/csrc/stable/library.h>
                STABLE_TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
                  m.impl("fused", TORCH_BOX(&fused_kernel));
                }
            """,
            "torchvision/ops/fused.py": """
                import torch


                def fused(x):
                    return torch.ops.torchvision.fused(x)
            """,
        },
    )
    result = check(tmp_path)
    assert brief(result) == [
        ("TVU304", "torchvision/ops/fused.py", 4, "torchvision.ops.fused.fused")
    ]
    assert [(e.symbol, e.path, e.line) for e in result.entries if e.kind == KIND_OPERATOR] == [
        ("torchvision::fused", "torchvision/csrc/ops/cpu/fused_kernel.cpp", 3)
    ]
