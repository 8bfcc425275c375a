"""Event renames: what a fix changes (``check --diff/--fix``), and ``events --compare`` /
``--fail-on-removed`` for CI (issue #18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

# torchvision 0.11's VisionDataset, in a tree that already has the modern helper: the
# TVU205 fix changes the string every dataset emits
TREE = {
    "torchvision/datasets/__init__.py": """
        from .mnist import MNIST
        from .vision import VisionDataset

        __all__ = ("MNIST", "VisionDataset")
    """,
    "torchvision/datasets/vision.py": """
        import torch
        import torch.utils.data as data


        class VisionDataset(data.Dataset):
            def __init__(self, root: str) -> None:
                torch._C._log_api_usage_once(f"torchvision.datasets.{self.__class__.__name__}")
                self.root = root
    """,
    "torchvision/datasets/mnist.py": """
        from .vision import VisionDataset


        class MNIST(VisionDataset):
            def __init__(self, root: str) -> None:
                super().__init__(root)
    """,
}
RENAMES_TEXT = [
    "Event renames (2): dashboards keyed on the old string stop counting.",
    "  torchvision.datasets.mnist.MNIST: torchvision.datasets.MNIST -> "
    "torchvision.datasets.mnist.MNIST",
    "  torchvision.datasets.vision.VisionDataset: torchvision.datasets.VisionDataset -> "
    "torchvision.datasets.vision.VisionDataset",
]
RENAMES_JSON = [
    (
        "torchvision.datasets.mnist.MNIST",
        "torchvision.datasets.MNIST",
        "torchvision.datasets.mnist.MNIST",
    ),
    (
        "torchvision.datasets.vision.VisionDataset",
        "torchvision.datasets.VisionDataset",
        "torchvision.datasets.vision.VisionDataset",
    ),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write_tree(tmp_path, TREE)
    return tmp_path


def events_json(root: Path, *args: str):
    return run_cli(["events", "--no-cache", "--format", "json", *args, "torchvision"], root)


def test_diff_reports_the_renames_its_tvu205_fix_causes(tree: Path) -> None:
    text = run_cli(["check", "--no-cache", "--diff", "torchvision"], tree)
    assert text.exit_code == 1
    assert "+        _log_api_usage_once(self)\n" in text.stdout
    assert text.stderr.splitlines() == RENAMES_TEXT
    data = json.loads(
        run_cli(["check", "--no-cache", "--diff", "--format", "json", "torchvision"], tree).stdout
    )
    assert [(r["symbol"], r["old"], r["new"]) for r in data["renames"]] == RENAMES_JSON
    assert [f["code"] for f in data["findings"]] == ["TVU205"]
    assert data["diff"] == text.stdout
    # nothing was written
    assert "torch._C._log_api_usage_once(f" in (tree / "torchvision/datasets/vision.py").read_text()


def test_fix_reports_the_renames_it_caused(tree: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    write_tree(other, TREE)
    text = run_cli(["check", "--no-cache", "--fix", "torchvision"], tree)
    assert text.exit_code == 0
    assert text.stderr.splitlines() == ["Fixed 1 file.", *RENAMES_TEXT]
    data = json.loads(
        run_cli(["check", "--no-cache", "--fix", "--format", "json", "torchvision"], other).stdout
    )
    assert data["findings"] == []
    assert [(r["symbol"], r["old"], r["new"]) for r in data["renames"]] == RENAMES_JSON
    assert "diff" not in data
    # a second --fix changes nothing and renames nothing
    again = run_cli(["check", "--no-cache", "--fix", "torchvision"], tree)
    assert again.stderr == ""


def test_compare_reports_renames_and_fail_on_removed_exits_1(tree: Path, tmp_path: Path) -> None:
    saved = tmp_path / "old.json"
    saved.write_text(events_json(tree).stdout)
    same = events_json(tree, "--compare", str(saved), "--fail-on-removed")
    assert same.exit_code == 0
    assert json.loads(same.stdout)["renamed"] == []
    assert run_cli(["check", "--no-cache", "--fix", "torchvision"], tree).exit_code == 0
    text = run_cli(
        ["events", "--no-cache", "--compare", str(saved), "--fail-on-removed", "torchvision"], tree
    )
    assert text.exit_code == 1
    assert text.stdout.splitlines() == [
        "~ torchvision.datasets.mnist.MNIST: torchvision.datasets.MNIST -> "
        "torchvision.datasets.mnist.MNIST  torchvision/datasets/mnist.py:4",
        "~ torchvision.datasets.vision.VisionDataset: torchvision.datasets.VisionDataset -> "
        "torchvision.datasets.vision.VisionDataset  torchvision/datasets/vision.py:7",
        f"0 events added, 0 removed, 2 renamed since {saved}.",
    ]
    # without --fail-on-removed the report is information only
    assert (
        run_cli(["events", "--no-cache", "--compare", str(saved), "torchvision"], tree).exit_code
        == 0
    )
    data = json.loads(events_json(tree, "--compare", str(saved)).stdout)
    assert (data["base"], data["compare"], data["added"], data["removed"]) == (
        None,
        str(saved),
        [],
        [],
    )
    assert [(r["symbol"], r["old"], r["new"]) for r in data["renamed"]] == RENAMES_JSON


def test_fail_on_removed_exits_1_when_an_event_disappears(tree: Path, tmp_path: Path) -> None:
    saved = tmp_path / "old.json"
    saved.write_text(events_json(tree).stdout)
    mnist = tree / "torchvision/datasets/mnist.py"
    mnist.write_text(
        mnist.read_text().replace("        super().__init__(root)\n", "        self.root = root\n")
    )
    result = events_json(tree, "--compare", str(saved), "--fail-on-removed")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [e["event"] for e in data["removed"]] == ["torchvision.datasets.MNIST"]
    assert data["renamed"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "not an `events --format json` catalogue (no `events` list)"),
        ('{"events": [{"symbol": "x"}]}', "event 1 is malformed ('event')"),
        (
            '{"events": [{"event": 3, "symbol": "x"}]}',
            "event 1 is malformed (`event` is not a string)",
        ),
    ],
)
def test_a_bad_saved_catalogue_is_a_one_line_usage_error(
    tree: Path, tmp_path: Path, content: str, message: str
) -> None:
    saved = tmp_path / "old.json"
    saved.write_text(content)
    result = run_cli(["events", "--no-cache", "--compare", str(saved), "torchvision"], tree)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"tvusage-lint: error: {saved}: {message}")
    assert result.stderr.count("\n") == 1


def test_compare_option_mistakes_are_usage_errors(tree: Path, tmp_path: Path) -> None:
    missing = run_cli(["events", "--compare", str(tmp_path / "nope.json"), "torchvision"], tree)
    assert (missing.exit_code, missing.stderr.count("\n")) == (2, 1)
    assert "nope.json: cannot read" in missing.stderr
    alone = run_cli(["events", "--fail-on-removed", "torchvision"], tree)
    assert alone.stderr == (
        "tvusage-lint: error: --fail-on-removed needs --diff-base REF or --compare OLD.json\n"
    )
    both = run_cli(["events", "--diff-base", "HEAD", "--compare", "x.json", "torchvision"], tree)
    assert (
        both.stderr
        == "tvusage-lint: error: --diff-base and --compare are two baselines; give one\n"
    )


def test_diff_on_the_fixture_tree_renames_for_tvu204_tvu205_and_tvu302() -> None:
    fixtures = Path(__file__).parent.parent / "fixtures"
    result = run_cli(["check", "--no-cache", "--diff", "--format", "json", "torchvision"], fixtures)
    assert result.exit_code == 1
    assert [
        (r["symbol"], r["old"], r["new"], r["old_expression"])
        for r in json.loads(result.stdout)["renames"]
    ] == [
        (
            "torchvision.transforms.functional.to_tensor",  # TVU205: a string the helper cannot take
            None,
            "torchvision.transforms.functional.to_tensor",
            "_log_api_usage_once('torchvision.transforms.functional.to_tensor')",
        ),
        (
            "torchvision.transforms.transforms.Normalize",  # TVU204: logged the class Compose
            "torchvision.transforms.transforms.type",
            "torchvision.transforms.transforms.Normalize",
            None,
        ),
        (
            "vision::ops::roi_align_symint",  # TVU302: nms's string, still nms's own event
            "torchvision.csrc.ops.nms.nms",
            "torchvision.csrc.ops.roi_align.roi_align",
            None,
        ),
    ]
