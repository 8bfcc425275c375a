"""``tvusage-lint events``: the catalogue of the bundled fixture tree, exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from helpers import run_cli, write_tree

from tvusage_lint import events
from tvusage_lint.entries import Entry

FIXTURES = Path(__file__).parent.parent / "fixtures"

# (event, symbol, kind, subpackage, path, line, via): every event the fixture tree emits.
# Missing and exempt entry points emit nothing; Normalize logs `Compose` (TVU204) and
# roi_align_symint logs nms's C++ event (TVU302), so those two strings are duplicates.
EXPECTED = [
    (
        "torchvision.csrc.io.image.cpu.decode_png.decode_png",
        "vision::image::decode_png",
        "cpp",
        "io",
        "torchvision/csrc/io/image/cpu/decode_png.cpp",
        14,
        None,
    ),
    (
        "torchvision.csrc.io.image.cpu.read_write_file.read_file",
        "vision::image::read_file",
        "cpp",
        "io",
        "torchvision/csrc/io/image/cpu/read_write_file.cpp",
        8,
        None,
    ),
    (
        "torchvision.csrc.io.video.video.Video",
        "vision::video::Video::Video",
        "cpp",
        "io",
        "torchvision/csrc/io/video/video.cpp",
        8,
        None,
    ),
    (
        "torchvision.csrc.io.video_reader.video_reader.probe_video_from_file",
        "vision::video_reader::probe_video_from_file",
        "cpp",
        "io",
        "torchvision/csrc/io/video_reader/video_reader.cpp",
        11,
        None,
    ),
    (
        "torchvision.csrc.ops.nms.nms",
        "vision::ops::nms",
        "cpp",
        "ops",
        "torchvision/csrc/ops/nms.cpp",
        10,
        None,
    ),
    (
        "torchvision.csrc.ops.nms.nms",
        "vision::ops::roi_align_symint",
        "cpp",
        "ops",
        "torchvision/csrc/ops/roi_align.cpp",
        27,
        None,
    ),
    (
        "torchvision.csrc.ops.roi_align.roi_align",
        "vision::ops::roi_align",
        "cpp",
        "ops",
        "torchvision/csrc/ops/roi_align.cpp",
        9,
        None,
    ),
    (
        "torchvision.datasets.folder.ImageFolder",
        "torchvision.datasets.folder.ImageFolder",
        "class",
        "datasets",
        "torchvision/datasets/folder.py",
        4,
        "torchvision.datasets.vision.VisionDataset",
    ),
    (
        "torchvision.datasets.vision.VisionDataset",
        "torchvision.datasets.vision.VisionDataset",
        "class",
        "datasets",
        "torchvision/datasets/vision.py",
        6,
        None,
    ),
    (
        "torchvision.io.image.decode_png",
        "torchvision.io.image.decode_png",
        "function",
        "io",
        "torchvision/io/image.py",
        11,
        None,
    ),
    (
        "torchvision.io.image.read_file",
        "torchvision.io.image.read_file",
        "function",
        "io",
        "torchvision/io/image.py",
        4,
        None,
    ),
    (
        "torchvision.io.video.read_video",
        "torchvision.io.video.read_video",
        "function",
        "io",
        "torchvision/io/video.py",
        6,
        None,
    ),
    (
        "torchvision.models.mnasnet.MNASNet",
        "torchvision.models.mnasnet.MNASNet",
        "class",
        "models",
        "torchvision/models/mnasnet.py",
        32,
        None,
    ),
    (
        "torchvision.models.quantization.resnet.QuantizableResNet",
        "torchvision.models.quantization.resnet.QuantizableResNet",
        "class",
        "models",
        "torchvision/models/quantization/resnet.py",
        6,
        "torchvision.models.resnet.ResNet",
    ),
    (
        "torchvision.models.resnet.ResNet",
        "torchvision.models.resnet.ResNet",
        "class",
        "models",
        "torchvision/models/resnet.py",
        21,
        None,
    ),
    (
        "torchvision.models.vgg.VGG",
        "torchvision.models.vgg.VGG",
        "class",
        "models",
        "torchvision/models/vgg.py",
        8,
        None,
    ),
    (
        "torchvision.ops.boxes.box_area",
        "torchvision.ops.boxes.box_area",
        "function",
        "ops",
        "torchvision/ops/boxes.py",
        14,
        None,
    ),
    (
        "torchvision.ops.boxes.nms",
        "torchvision.ops.boxes.nms",
        "function",
        "ops",
        "torchvision/ops/boxes.py",
        7,
        None,
    ),
    (
        "torchvision.ops.misc.FrozenBatchNorm2d",
        "torchvision.ops.misc.FrozenBatchNorm2d",
        "class",
        "ops",
        "torchvision/ops/misc.py",
        6,
        None,
    ),
    (
        "torchvision.ops.stochastic_depth.stochastic_depth",
        "torchvision.ops.stochastic_depth.stochastic_depth",
        "function",
        "ops",
        "torchvision/ops/stochastic_depth.py",
        7,
        None,
    ),
    (
        "torchvision.transforms.autoaugment.AutoAugment",
        "torchvision.transforms.autoaugment.AutoAugment",
        "class",
        "transforms",
        "torchvision/transforms/autoaugment.py",
        15,
        None,
    ),
    (
        "torchvision.transforms.functional.hflip",
        "torchvision.transforms.functional.hflip",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        28,
        None,
    ),
    (
        "torchvision.transforms.functional.normalize",
        "torchvision.transforms.functional.normalize",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        22,
        None,
    ),
    (
        "torchvision.transforms.functional.to_tensor",
        "torchvision.transforms.functional.to_tensor",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        16,
        None,
    ),
    (
        "torchvision.transforms.transforms.Compose",
        "torchvision.transforms.transforms.Compose",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        9,
        None,
    ),
    (
        "torchvision.transforms.transforms.Compose",
        "torchvision.transforms.transforms.Normalize",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        30,
        None,
    ),
    (
        "torchvision.transforms.transforms.RandomResizedCrop",
        "torchvision.transforms.transforms.RandomResizedCrop",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        19,
        None,
    ),
    (
        "torchvision.transforms.transforms.RandomSizedCrop",
        "torchvision.transforms.transforms.RandomSizedCrop",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        26,
        "torchvision.transforms.transforms.RandomResizedCrop",
    ),
    (
        "torchvision.transforms.v2._geometry.Resize",
        "torchvision.transforms.v2._geometry.Resize",
        "class",
        "transforms",
        "torchvision/transforms/v2/_geometry.py",
        6,
        "torchvision.transforms.v2._transform.Transform",
    ),
    (
        "torchvision.transforms.v2._transform.Transform",
        "torchvision.transforms.v2._transform.Transform",
        "class",
        "transforms",
        "torchvision/transforms/v2/_transform.py",
        5,
        None,
    ),
    (
        "torchvision.transforms.v2.functional._geometry.resize",
        "torchvision.transforms.v2.functional._geometry.resize",
        "function",
        "transforms",
        "torchvision/transforms/v2/functional/_geometry.py",
        7,
        None,
    ),
    (
        "torchvision.utils.draw_keypoints",
        "torchvision.utils.draw_keypoints",
        "function",
        "utils",
        "torchvision/utils.py",
        23,
        None,
    ),
    (
        "torchvision.utils.make_grid",
        "torchvision.utils.make_grid",
        "function",
        "utils",
        "torchvision/utils.py",
        9,
        None,
    ),
]


def catalogue() -> dict:
    result = run_cli(["events", "--no-cache", "--format", "json", "torchvision"], FIXTURES)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_fixture_catalogue_matches_exactly() -> None:
    data = catalogue()
    assert [
        (e["event"], e["symbol"], e["kind"], e["subpackage"], e["path"], e["line"], e["via"])
        for e in data["events"]
    ] == EXPECTED
    assert {e["language"] for e in data["events"] if e["kind"] == "cpp"} == {"cpp"}
    assert {e["language"] for e in data["events"] if e["kind"] != "cpp"} == {"python"}
    assert data["duplicates"] == [
        {
            "event": "torchvision.csrc.ops.nms.nms",
            "symbols": ["vision::ops::nms", "vision::ops::roi_align_symint"],
        },
        {
            "event": "torchvision.transforms.transforms.Compose",
            "symbols": [
                "torchvision.transforms.transforms.Compose",
                "torchvision.transforms.transforms.Normalize",
            ],
        },
    ]


def test_csv_and_text_carry_the_same_rows_and_text_warns_about_duplicates() -> None:
    out = run_cli(["events", "--no-cache", "--format", "csv", "torchvision"], FIXTURES).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(events.FIELDS)
    assert [(r[0], r[1], int(r[6]), r[7] or None) for r in rows[1:]] == [
        (e[0], e[1], e[5], e[6]) for e in EXPECTED
    ]
    text = run_cli(["events", "--no-cache", "torchvision"], FIXTURES)
    assert text.stdout.splitlines()[7] == (
        "torchvision.datasets.folder.ImageFolder  torchvision/datasets/folder.py:4"
        "  (via torchvision.datasets.vision.VisionDataset)"
    )
    assert text.stdout.splitlines()[-1] == "33 events, 2 duplicated."
    assert text.stderr.splitlines() == [
        "tvusage-lint: warning: event `torchvision.csrc.ops.nms.nms` is emitted by 2 entry "
        "points: vision::ops::nms, vision::ops::roi_align_symint",
        "tvusage-lint: warning: event `torchvision.transforms.transforms.Compose` is emitted "
        "by 2 entry points: torchvision.transforms.transforms.Compose, "
        "torchvision.transforms.transforms.Normalize",
    ]


def test_only_logged_and_inherited_entries_emit() -> None:
    def entry(status: str, kind: str = "function") -> Entry:
        return Entry(
            f"pkg.mod.{status}", kind, "ops", "pkg/mod.py", 1, status, "", f"pkg.mod.{status}"
        )

    rows = [
        entry("logged"),
        entry("inherited", "class"),
        entry("missing"),
        entry("exempt"),
        entry("caller", "operator"),  # an operator recorded by its Python caller's event
    ]
    assert [e.event for e in events.catalogue(rows).events] == [
        "pkg.mod.inherited",
        "pkg.mod.logged",
    ]


def test_every_subclass_that_inherits_logging_has_its_own_event(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/transforms/v2/_transform.py": """
                import torch
                from torchvision.utils import _log_api_usage_once


                class Transform(torch.nn.Module):
                    def __init__(self) -> None:
                        super().__init__()
                        _log_api_usage_once(self)
            """,
            "torchvision/transforms/v2/__init__.py": """
                from ._color import Grayscale, RandomGrayscale
                from ._transform import Transform
            """,
            "torchvision/transforms/v2/_color.py": """
                from ._transform import Transform


                class Grayscale(Transform):
                    pass


                class RandomGrayscale(Grayscale):
                    def __init__(self, p: float = 0.5) -> None:
                        super().__init__()
                        self.p = p
            """,
        },
    )
    data = json.loads(
        run_cli(["events", "--no-cache", "--format", "json", "torchvision"], tmp_path).stdout
    )
    assert [(e["event"], e["via"]) for e in data["events"]] == [
        (
            "torchvision.transforms.v2._color.Grayscale",
            "torchvision.transforms.v2._transform.Transform",
        ),
        (
            "torchvision.transforms.v2._color.RandomGrayscale",
            "torchvision.transforms.v2._transform.Transform",
        ),
        ("torchvision.transforms.v2._transform.Transform", None),
    ]
    assert data["duplicates"] == []


def test_events_needs_a_path() -> None:
    result = run_cli(["events"], FIXTURES)
    assert (result.exit_code, result.stderr) == (
        2,
        "tvusage-lint: error: no PATH given (try `tvusage-lint events torchvision/`)\n",
    )


def test_outdated_forms_emit_what_they_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                import torch
                from torchvision.utils import _log_api_usage_once

                __all__ = ["Boxes", "nms"]


                class Boxes(torch.nn.Module):
                    def __init__(self) -> None:
                        super().__init__()
                        _log_api_usage_once(self.__module__, self.__class__.__name__)


                def nms(x):
                    _log_api_usage_once("torchvision.ops.boxes", "nms")
                    return x
            """,
        },
    )
    data = json.loads(
        run_cli(["events", "--no-cache", "--format", "json", "torchvision"], tmp_path).stdout
    )
    assert [(e["event"], e["symbol"]) for e in data["events"]] == [
        ("torchvision.ops.boxes.Boxes", "torchvision.ops.boxes.Boxes"),
        ("torchvision.ops.boxes.nms", "torchvision.ops.boxes.nms"),
    ]
