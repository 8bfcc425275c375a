"""The bundled fixture tree: exactly the seeded violations, nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import check, fix
from tvusage_lint.core.entries import EXEMPT, INHERITED, LOGGED, MISSING

FIXTURES = Path(__file__).parent.parent / "fixtures"

# (code, path, line, symbol) of every seeded Python violation (TVU208 and TVU4 switched on).
EXPECTED = [
    ("TVU103", "torchvision/datasets/mnist.py", 4, "torchvision.datasets.mnist.MNIST"),
    ("TVU104", "torchvision/datasets/video.py", 4, "torchvision.datasets.video.VideoClipsDataset"),
    ("TVU001", "torchvision/io/_generated.py", 1, ""),
    ("TVU206", "torchvision/io/image.py", 7, "torchvision.io.image.read_file"),
    ("TVU205", "torchvision/io/video.py", 9, "torchvision.io.video.read_video"),
    ("TVU207", "torchvision/io/video.py", 13, "torchvision.io.video"),
    ("TVU101", "torchvision/models/alexnet.py", 6, "torchvision.models.alexnet.AlexNet"),
    ("TVU404", "torchvision/models/mnasnet.py", 14, "torchvision.models.mnasnet._drop_path"),
    ("TVU402", "torchvision/models/mnasnet.py", 18, "torchvision.models.mnasnet._SqueezeExcite"),
    ("TVU401", "torchvision/models/mnasnet.py", 38, "torchvision.models.mnasnet.MNASNet.__init__"),
    ("TVU403", "torchvision/models/mnasnet.py", 45, "torchvision.models.mnasnet.MNASNet.__init__"),
    ("TVU405", "torchvision/models/mnasnet.py", 61, "torchvision.models.mnasnet._FrozenBN"),
    ("TVU202", "torchvision/models/vgg.py", 10, "torchvision.models.vgg.VGG"),
    ("TVU900", "torchvision/ops/boxes.py", 14, ""),
    ("TVU207", "torchvision/ops/misc.py", 13, "torchvision.ops.misc.FrozenBatchNorm2d"),
    # its operator lives in a stable-ABI unit (csrc/ops/ps_roi_align.cpp): TVU304, not TVU102
    ("TVU304", "torchvision/ops/ps_roi_align.py", 5, "torchvision.ops.ps_roi_align.ps_roi_align"),
    (
        "TVU105",
        "torchvision/ops/stochastic_depth.py",
        16,
        "torchvision.ops.stochastic_depth.StochasticDepth",
    ),
    (
        "TVU201",
        "torchvision/transforms/autoaugment.py",
        19,
        "torchvision.transforms.autoaugment.AutoAugment",
    ),
    (
        "TVU205",
        "torchvision/transforms/functional.py",
        18,
        "torchvision.transforms.functional.to_tensor",
    ),
    (
        "TVU203",
        "torchvision/transforms/functional.py",
        24,
        "torchvision.transforms.functional.normalize",
    ),
    (
        "TVU204",
        "torchvision/transforms/transforms.py",
        33,
        "torchvision.transforms.transforms.Normalize",
    ),
    (
        "TVU101",
        "torchvision/transforms/v2/_geometry.py",
        17,
        "torchvision.transforms.v2._geometry.RandomCrop",
    ),
    (
        "TVU208",
        "torchvision/transforms/v2/functional/_geometry.py",
        12,
        "torchvision.transforms.v2.functional._geometry.resize",
    ),
    (
        "TVU102",
        "torchvision/transforms/v2/functional/_geometry.py",
        23,
        "torchvision.transforms.v2.functional._geometry.crop",
    ),
    ("TVU102", "torchvision/utils.py", 16, "torchvision.utils.save_image"),
    ("TVU208", "torchvision/utils.py", 25, "torchvision.utils.draw_keypoints"),
]


def python_findings(result):
    return [(f.code, f.path, f.line, f.symbol) for f in result.findings if f.path.endswith(".py")]


def test_fixture_tree_has_exactly_the_seeded_violations() -> None:
    result = check(FIXTURES, extend=("TVU208", "TVU4"))
    assert python_findings(result) == EXPECTED


def test_every_python_rule_is_seeded() -> None:
    seeded = {code for code, *_ in EXPECTED}
    from tvusage_lint.core.codes import RULES

    cpp_only = {"TVU301", "TVU302", "TVU303"}  # seeded in csrc (tests/cpp/test_cpp_fixtures.py)
    python_codes = {c for c in RULES if c not in cpp_only}
    assert seeded == python_codes


def test_fixture_coverage_statuses() -> None:
    result = check(FIXTURES)
    status = {e.symbol: (e.status, e.via) for e in result.entries if e.kind != "cpp"}
    assert status["torchvision.models.quantization.resnet.QuantizableResNet"] == (
        INHERITED,
        "torchvision.models.resnet.ResNet",
    )
    assert status["torchvision.transforms.transforms.RandomSizedCrop"] == (
        INHERITED,
        "torchvision.transforms.transforms.RandomResizedCrop",
    )
    assert status["torchvision.transforms.v2._geometry.Resize"] == (
        INHERITED,
        "torchvision.transforms.v2._transform.Transform",
    )
    assert status["torchvision.datasets.folder.ImageFolder"] == (
        INHERITED,
        "torchvision.datasets.vision.VisionDataset",
    )
    assert status["torchvision.transforms.v2.functional._geometry.resize_image"] == (
        EXEMPT,
        "kernel of torchvision.transforms.v2.functional._geometry.resize",
    )
    assert status["torchvision.models.resnet.resnet18"] == (EXEMPT, "builder")
    assert status["torchvision.ops.stochastic_depth.StochasticDepth"] == (MISSING, "")
    assert status["torchvision.ops.boxes.nms"] == (LOGGED, "")
    # submodules, private helpers and enums are not entry points
    for name in (
        "torchvision.models.resnet.BasicBlock",
        "torchvision.ops.boxes._upcast",
        "torchvision.transforms.functional.InterpolationMode",
        "torchvision.transforms.autoaugment.AutoAugmentPolicy",
    ):
        assert name not in status


def test_fix_then_check_leaves_only_unfixable(tmp_path: Path) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    fix(tree)
    left = {(code, path) for code, path, *_ in python_findings(check(tree))}
    assert left == {
        ("TVU001", "torchvision/io/_generated.py"),
        ("TVU103", "torchvision/datasets/mnist.py"),
        ("TVU207", "torchvision/io/video.py"),
        ("TVU207", "torchvision/ops/misc.py"),
    }
