"""``tvusage-lint events``: the catalogue of the bundled fixture tree, exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from helpers import run_cli, write_tree

from tvusage_lint.core.entries import Entry
from tvusage_lint.output import events

FIXTURES = Path(__file__).parent.parent / "fixtures"

# (event, symbol, kind, symbol_kind, subpackage, path, line, via, call_line): every event the
# fixture tree emits. Missing and exempt entry points emit nothing. Evaluated with the tree's
# helper: to_tensor passes a string, which has no `__module__` (unknown: the call raises);
# Normalize logs the class `Compose` (TVU204), whose `__class__.__name__` is `type`;
# roi_align_symint logs nms's C++ event (TVU302) and io/video.py logs `read_video` once more
# at module level (TVU207), so those two strings are duplicates.
EXPECTED = [
    (
        None,
        "torchvision.transforms.functional.to_tensor",
        "entry",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        16,
        None,
        18,
    ),
    (
        "torchvision.csrc.io.image.cpu.decode_png.decode_png",
        "vision::image::decode_png",
        "entry",
        "cpp",
        "io",
        "torchvision/csrc/io/image/cpu/decode_png.cpp",
        14,
        None,
        15,
    ),
    (
        "torchvision.csrc.io.image.cpu.read_write_file.read_file",
        "vision::image::read_file",
        "entry",
        "cpp",
        "io",
        "torchvision/csrc/io/image/cpu/read_write_file.cpp",
        8,
        None,
        9,
    ),
    (
        "torchvision.csrc.io.video.video.Video",
        "vision::video::Video::Video",
        "entry",
        "cpp",
        "io",
        "torchvision/csrc/io/video/video.cpp",
        8,
        None,
        12,
    ),
    (
        "torchvision.csrc.io.video_reader.video_reader.probe_video_from_file",
        "vision::video_reader::probe_video_from_file",
        "entry",
        "cpp",
        "io",
        "torchvision/csrc/io/video_reader/video_reader.cpp",
        11,
        None,
        12,
    ),
    (
        "torchvision.csrc.ops.nms.nms",
        "vision::ops::nms",
        "entry",
        "cpp",
        "ops",
        "torchvision/csrc/ops/nms.cpp",
        10,
        None,
        14,
    ),
    (
        "torchvision.csrc.ops.nms.nms",
        "vision::ops::roi_align_symint",
        "entry",
        "cpp",
        "ops",
        "torchvision/csrc/ops/roi_align.cpp",
        27,
        None,
        35,
    ),
    (
        "torchvision.csrc.ops.roi_align.roi_align",
        "vision::ops::roi_align",
        "entry",
        "cpp",
        "ops",
        "torchvision/csrc/ops/roi_align.cpp",
        9,
        None,
        19,
    ),
    (
        "torchvision.datasets.folder.ImageFolder",
        "torchvision.datasets.folder.ImageFolder",
        "inherited",
        "class",
        "datasets",
        "torchvision/datasets/folder.py",
        4,
        "torchvision.datasets.vision.VisionDataset",
        10,
    ),
    (
        "torchvision.datasets.vision.VisionDataset",
        "torchvision.datasets.vision.VisionDataset",
        "entry",
        "class",
        "datasets",
        "torchvision/datasets/vision.py",
        6,
        None,
        10,
    ),
    (
        "torchvision.io.image.decode_png",
        "torchvision.io.image.decode_png",
        "entry",
        "function",
        "io",
        "torchvision/io/image.py",
        11,
        None,
        14,
    ),
    (
        "torchvision.io.image.read_file",
        "torchvision.io.image.read_file",
        "entry",
        "function",
        "io",
        "torchvision/io/image.py",
        4,
        None,
        7,
    ),
    (
        "torchvision.io.video.read_video",
        "torchvision.io.video",
        "extra",
        "module",
        "io",
        "torchvision/io/video.py",
        13,
        None,
        13,
    ),
    (
        "torchvision.io.video.read_video",
        "torchvision.io.video.read_video",
        "entry",
        "function",
        "io",
        "torchvision/io/video.py",
        6,
        None,
        9,
    ),
    (
        "torchvision.models.mnasnet.MNASNet",
        "torchvision.models.mnasnet.MNASNet",
        "entry",
        "class",
        "models",
        "torchvision/models/mnasnet.py",
        32,
        None,
        35,
    ),
    (
        "torchvision.models.quantization.resnet.QuantizableResNet",
        "torchvision.models.quantization.resnet.QuantizableResNet",
        "inherited",
        "class",
        "models",
        "torchvision/models/quantization/resnet.py",
        6,
        "torchvision.models.resnet.ResNet",
        24,
    ),
    (
        "torchvision.models.resnet.ResNet",
        "torchvision.models.resnet.ResNet",
        "entry",
        "class",
        "models",
        "torchvision/models/resnet.py",
        21,
        None,
        24,
    ),
    (
        "torchvision.models.vgg.VGG",
        "torchvision.models.vgg.VGG",
        "entry",
        "class",
        "models",
        "torchvision/models/vgg.py",
        8,
        None,
        10,
    ),
    (
        "torchvision.ops.boxes.box_area",
        "torchvision.ops.boxes.box_area",
        "entry",
        "function",
        "ops",
        "torchvision/ops/boxes.py",
        14,
        None,
        17,
    ),
    (
        "torchvision.ops.boxes.nms",
        "torchvision.ops.boxes.nms",
        "entry",
        "function",
        "ops",
        "torchvision/ops/boxes.py",
        7,
        None,
        10,
    ),
    (
        "torchvision.ops.misc.FrozenBatchNorm2d",
        "torchvision.ops.misc.FrozenBatchNorm2d",
        "entry",
        "class",
        "ops",
        "torchvision/ops/misc.py",
        6,
        None,
        9,
    ),
    (
        "torchvision.ops.stochastic_depth.stochastic_depth",
        "torchvision.ops.stochastic_depth.stochastic_depth",
        "entry",
        "function",
        "ops",
        "torchvision/ops/stochastic_depth.py",
        7,
        None,
        10,
    ),
    (
        "torchvision.transforms.autoaugment.AutoAugment",
        "torchvision.transforms.autoaugment.AutoAugment",
        "entry",
        "class",
        "transforms",
        "torchvision/transforms/autoaugment.py",
        15,
        None,
        19,
    ),
    (
        "torchvision.transforms.functional.hflip",
        "torchvision.transforms.functional.hflip",
        "entry",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        28,
        None,
        31,
    ),
    (
        "torchvision.transforms.functional.normalize",
        "torchvision.transforms.functional.normalize",
        "entry",
        "function",
        "transforms",
        "torchvision/transforms/functional.py",
        22,
        None,
        24,
    ),
    (
        "torchvision.transforms.transforms.Compose",
        "torchvision.transforms.transforms.Compose",
        "entry",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        9,
        None,
        12,
    ),
    (
        "torchvision.transforms.transforms.RandomResizedCrop",
        "torchvision.transforms.transforms.RandomResizedCrop",
        "entry",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        19,
        None,
        22,
    ),
    (
        "torchvision.transforms.transforms.RandomSizedCrop",
        "torchvision.transforms.transforms.RandomSizedCrop",
        "inherited",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        26,
        "torchvision.transforms.transforms.RandomResizedCrop",
        22,
    ),
    (
        "torchvision.transforms.transforms.type",
        "torchvision.transforms.transforms.Normalize",
        "entry",
        "class",
        "transforms",
        "torchvision/transforms/transforms.py",
        30,
        None,
        33,
    ),
    (
        "torchvision.transforms.v2._geometry.Resize",
        "torchvision.transforms.v2._geometry.Resize",
        "inherited",
        "class",
        "transforms",
        "torchvision/transforms/v2/_geometry.py",
        6,
        "torchvision.transforms.v2._transform.Transform",
        8,
    ),
    (
        "torchvision.transforms.v2._transform.Transform",
        "torchvision.transforms.v2._transform.Transform",
        "entry",
        "class",
        "transforms",
        "torchvision/transforms/v2/_transform.py",
        5,
        None,
        8,
    ),
    (
        "torchvision.transforms.v2.functional._geometry.resize",
        "torchvision.transforms.v2.functional._geometry.resize",
        "entry",
        "function",
        "transforms",
        "torchvision/transforms/v2/functional/_geometry.py",
        7,
        None,
        12,
    ),
    (
        "torchvision.utils.draw_keypoints",
        "torchvision.utils.draw_keypoints",
        "entry",
        "function",
        "utils",
        "torchvision/utils.py",
        23,
        None,
        26,
    ),
    (
        "torchvision.utils.make_grid",
        "torchvision.utils.make_grid",
        "entry",
        "function",
        "utils",
        "torchvision/utils.py",
        9,
        None,
        12,
    ),
]


def catalogue() -> dict:
    result = run_cli(["events", "--no-cache", "--format", "json", "torchvision"], FIXTURES)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_fixture_catalogue_matches_exactly() -> None:
    data = catalogue()
    assert [
        (
            e["event"],
            e["symbol"],
            e["kind"],
            e["symbol_kind"],
            e["subpackage"],
            e["path"],
            e["line"],
            e["via"],
            e["call_line"],
        )
        for e in data["events"]
    ] == EXPECTED
    assert {e["language"] for e in data["events"] if e["symbol_kind"] == "cpp"} == {"cpp"}
    assert {e["language"] for e in data["events"] if e["symbol_kind"] != "cpp"} == {"python"}
    assert [e["expression"] for e in data["events"] if e["event"] is None] == [
        "_log_api_usage_once('torchvision.transforms.functional.to_tensor')"
    ]
    assert data["duplicates"] == [
        {
            "event": "torchvision.csrc.ops.nms.nms",
            "symbols": ["vision::ops::nms", "vision::ops::roi_align_symint"],
        },
        {
            "event": "torchvision.io.video.read_video",
            "symbols": ["torchvision.io.video", "torchvision.io.video.read_video"],
        },
    ]


def test_csv_and_text_carry_the_same_rows_and_text_warns_about_duplicates() -> None:
    out = run_cli(["events", "--no-cache", "--format", "csv", "torchvision"], FIXTURES).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(events.FIELDS)
    assert [(r[0] or None, r[1], int(r[6]), r[7] or None) for r in rows[1:]] == [
        (e[0], e[1], e[6], e[7]) for e in EXPECTED
    ]
    text = run_cli(["events", "--no-cache", "torchvision"], FIXTURES)
    lines = text.stdout.splitlines()
    assert lines[0] == (
        "? _log_api_usage_once('torchvision.transforms.functional.to_tensor')  "
        "torchvision/transforms/functional.py:16"
    )
    assert lines[8] == (
        "torchvision.datasets.folder.ImageFolder  torchvision/datasets/folder.py:4"
        "  (via torchvision.datasets.vision.VisionDataset)"
    )
    assert lines[12] == "torchvision.io.video.read_video  torchvision/io/video.py:13  [extra]"
    assert lines[-1] == "34 events (1 unknown), 2 duplicated."
    assert text.stderr.splitlines() == [
        "tvusage-lint: warning: event `torchvision.csrc.ops.nms.nms` is emitted by 2 "
        "symbols: vision::ops::nms, vision::ops::roi_align_symint",
        "tvusage-lint: warning: event `torchvision.io.video.read_video` is emitted "
        "by 2 symbols: torchvision.io.video, torchvision.io.video.read_video",
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


def test_outdated_forms_without_a_helper_in_the_tree_emit_what_they_name(tmp_path: Path) -> None:
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
        helper=False,
    )
    data = json.loads(
        run_cli(["events", "--no-cache", "--format", "json", "torchvision"], tmp_path).stdout
    )
    assert [(e["event"], e["symbol"]) for e in data["events"]] == [
        ("torchvision.ops.boxes.Boxes", "torchvision.ops.boxes.Boxes"),
        ("torchvision.ops.boxes.nms", "torchvision.ops.boxes.nms"),
    ]
