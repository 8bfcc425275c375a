"""action.yml: its steps run as GitHub would run them (inputs through env, bash -eo pipefail)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from test_diff_base import commit, edit, git

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
CONDITION = re.compile(r"^inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'$")


def inputs(**given: str) -> dict[str, str]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    for name, value in given.items():
        assert name.replace("_", "-") in values, name
        values[name.replace("_", "-")] = value
    return values


def expand(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("inputs."):
            return values[name.removeprefix("inputs.")]
        assert name == "github.action_path", name
        return str(ROOT)

    return EXPRESSION.sub(one, text)


def runs(step: dict, values: dict[str, str]) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    match = CONDITION.match(condition.strip())
    assert match, condition
    name, op, literal = match.groups()
    return (values[name] == literal) == (op == "==")


def run_action(cwd: Path, tmp: Path, **given: str) -> tuple[dict[str, int], str, Path]:
    """Run every step but the install (the tool is already installed here); return the
    exit code and output of each, and the job summary file."""
    values = inputs(**given)
    summary = tmp / "summary.md"
    summary.write_text("", encoding="utf-8")
    codes: dict[str, int] = {}
    output = ""
    for step in STEPS:
        if step["id"] == "install" or not runs(step, values):
            continue
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(tmp),
        }
        env.update({k: expand(str(v), values) for k, v in step.get("env", {}).items()})
        assert "${{" not in step["run"], "inputs reach scripts through env only (no injection)"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        codes[step["id"]] = done.returncode
        output += done.stdout
    return codes, output, summary


def test_the_install_step_is_valid_bash_and_installs_into_a_private_venv() -> None:
    install = next(s for s in STEPS if s["id"] == "install")
    assert subprocess.run(["bash", "-n", "-c", install["run"]]).returncode == 0
    assert '"$RUNNER_TEMP/tvusage-lint/bin" >> "$GITHUB_PATH"' in install["run"]
    assert set(ACTION["inputs"]) == {"version", "paths", "args", "diff-base", "summary", "sarif"}


def test_on_the_fixtures_annotations_fail_the_step_and_the_summary_is_written(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "fixtures", tree)
    codes, output, summary = run_action(
        tree, tmp_path, paths="torchvision/", args="--no-cache", sarif="out.sarif"
    )
    assert codes == {"summary": 0, "sarif": 0, "check": 1}
    assert output.count("::error ") == 10
    assert "::notice title=tvusage-lint::12 more findings" in output
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### API-usage logging coverage\n")
    assert "| **total** |" in text
    assert '"tvusageLint/v2"' in (tree / "out.sarif").read_text(encoding="utf-8")


def test_with_diff_base_only_new_findings_fail(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures", repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "old debt")
    git(repo, "checkout", "-q", "-b", "pr")
    utils = repo / "torchvision/utils.py"
    edit(utils, '"draw_keypoints"]', '"draw_keypoints", "draw_boxes"]')
    edit(utils, "\ndef make_grid", "\ndef draw_boxes(x):\n    return x\n\n\ndef make_grid")
    commit(repo, "new function")
    given = {"paths": "torchvision", "args": "--no-cache", "diff_base": "main", "summary": "false"}
    codes, output, _ = run_action(repo, tmp_path, **given)
    assert codes == {"check": 1}
    assert [line.split("::")[2] for line in output.splitlines()] == [
        "TVU102 public function `draw_boxes` does not call `_log_api_usage_once(draw_boxes)`"
    ]
    git(repo, "checkout", "-q", "main")
    codes, output, _ = run_action(repo, tmp_path, **given)
    assert (codes, output) == ({"check": 0}, "")
