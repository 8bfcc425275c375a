"""The command line: formats, exit codes, option errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import run_cli as run
from tests.helpers import write_tree
from tvusage_lint.frontends.cli import main

TREE = {
    "torchvision/ops/boxes.py": """
        import torch
        from ..utils import _log_api_usage_once

        def nms(x):
            return x

        def box_area(x):
            if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                _log_api_usage_once(box_area)
            return x
    """
}


def test_text_output_and_exit_code(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "torchvision", "--no-cache"], tmp_path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        "torchvision/ops/boxes.py:4:1: TVU102 public function `nms` does not call "
        "`_log_api_usage_once(nms)` [*]"
    )
    assert "Found 1 error in" in result.output
    assert "[*] 1 fixable with `--fix`." in result.output


def test_exit_zero_and_clean_exit(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    assert run(["check", "torchvision", "--no-cache", "--exit-zero"], tmp_path).exit_code == 0
    result = run(["check", "torchvision", "--no-cache", "--ignore", "TVU102"], tmp_path)
    assert result.exit_code == 0
    assert result.output.startswith("All checks passed")


def test_json_contract(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "torchvision", "--no-cache", "--format", "json"], tmp_path)
    data = json.loads(result.output)
    assert data == [
        {
            "code": "TVU102",
            "severity": "error",
            "message": "public function `nms` does not call `_log_api_usage_once(nms)`",
            "path": "torchvision/ops/boxes.py",
            "line": 4,
            "column": 1,
            "end_line": 4,
            "end_column": 8,
            "symbol": "torchvision.ops.boxes.nms",
            "event": "torchvision.ops.boxes.nms",
            "fixable": True,
            "fix": {
                "title": "Insert `_log_api_usage_once(nms)` at the top of `nms` (guarded)",
                "applicability": "safe",
            },
        }
    ]


def test_github_format(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "torchvision", "--no-cache", "--format", "github"], tmp_path)
    assert result.output == (
        "::error file=torchvision/ops/boxes.py,line=4,col=1,endLine=4,endColumn=8,"
        "title=TVU102 function-not-logged::TVU102 public function `nms` does not call "
        "`_log_api_usage_once(nms)`\n"
    )


def test_output_file(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(
        ["check", "torchvision", "--no-cache", "--format", "json", "-o", "out.json"], tmp_path
    )
    assert result.exit_code == 1
    assert json.loads((tmp_path / "out.json").read_text())[0]["code"] == "TVU102"


def test_unknown_code_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["check", "torchvision", "--select", "TVU999"], tmp_path)
    assert result.exit_code == 2
    assert (
        result.output
        == "tvusage-lint: error: --select: unknown rule code 'TVU999' (see `tvusage-lint rules`)\n"
    )


def test_bad_config_key_names_the_key(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    (tmp_path / "pyproject.toml").write_text('[tool.tvusage-lint]\nselct = ["TVU1"]\n')
    result = run(["check", "torchvision"], tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(
        f"tvusage-lint: error: {tmp_path / 'pyproject.toml'}: unknown key `selct`"
    )


def test_bad_config_value(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tvusage-lint.per-subpackage.ops]\nclasses = "everything"\n'
    )
    result = run(["check", "torchvision"], tmp_path)
    assert result.exit_code == 2
    assert "`per-subpackage.ops.classes` must be one of none, public, modules" in result.output


def test_config_from_pyproject_is_used(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    (tmp_path / "pyproject.toml").write_text('[tool.tvusage-lint]\nexempt = ["*.nms"]\n')
    result = run(["check", "torchvision", "--no-cache"], tmp_path)
    assert result.exit_code == 0


def test_explicit_config_file(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    (tmp_path / "lint.toml").write_text('ignore = ["TVU102"]\n')
    result = run(["check", "torchvision", "--no-cache", "--config", "lint.toml"], tmp_path)
    assert result.exit_code == 0
    missing = run(["check", "torchvision", "--config", "nope.toml"], tmp_path)
    assert missing.exit_code == 2
    assert missing.output == "tvusage-lint: error: nope.toml: config file not found\n"


def test_rules_and_explain(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    assert (
        "TVU102  on   fix:safe    function-not-logged: public function does not log"
        in result.output
    )
    assert "TVU208  off  fix:safe    guard-without-tracing" in result.output
    page = CliRunner().invoke(main, ["explain", "tvu102"])
    assert page.exit_code == 0
    assert page.output.startswith("# TVU102: function-not-logged\n")
    bad = CliRunner().invoke(main, ["explain", "TVU999"])
    assert bad.exit_code == 2


def test_coverage_json_and_fail_under(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["coverage", "torchvision", "--no-cache", "--format", "json"], tmp_path)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["entries"] == [
        {
            "symbol": "torchvision.ops.boxes.nms",
            "kind": "function",
            "subpackage": "ops",
            "path": "torchvision/ops/boxes.py",
            "line": 4,
            "status": "missing",
            "via": None,
            "event": "torchvision.ops.boxes.nms",
        },
        {
            "symbol": "torchvision.ops.boxes.box_area",
            "kind": "function",
            "subpackage": "ops",
            "path": "torchvision/ops/boxes.py",
            "line": 7,
            "status": "logged",
            "via": None,
            "event": "torchvision.ops.boxes.box_area",
        },
    ]
    assert data["totals"]["total"]["percent"] == 50.0
    failing = run(["coverage", "torchvision", "--no-cache", "--fail-under", "60"], tmp_path)
    assert failing.exit_code == 1
    assert "coverage 50.0% is below --fail-under 60%" in failing.output


def test_coverage_markdown(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = run(["coverage", "torchvision", "--no-cache", "--format", "markdown"], tmp_path)
    assert "| ops | 2 | 1 | 0 | 0 | 1 | 0 | 50.0% |" in result.output  # caller: 0
    assert (
        "| `torchvision.ops.boxes.nms` | function | missing | `torchvision/ops/boxes.py:4` |"
        in result.output
    )


def test_no_path_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "no PATH given" in result.output
