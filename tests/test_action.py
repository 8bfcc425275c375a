"""action.yml: its steps run as GitHub would run them (inputs through env, bash -eo pipefail);
it and the README's workflow pass the audits a project that pins its actions runs (zizmor,
the schemas)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_diff_base import commit, edit, git

ROOT = Path(__file__).parent.parent
TOOL = Path("tvusage-lint/bin/tvusage-lint")  # under $RUNNER_TEMP: where the install step puts it
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
    installed = tmp / TOOL
    if not installed.exists():
        installed.parent.mkdir(parents=True, exist_ok=True)
        installed.symlink_to(Path(sys.executable).parent / "tvusage-lint")
    codes: dict[str, int] = {}
    output = ""
    for step in STEPS:
        if step["id"] == "install" or not runs(step, values):
            continue
        env = {
            **os.environ,
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
    assert 'python3 -m venv "$RUNNER_TEMP/tvusage-lint"' in install["run"]
    for step in STEPS:  # no step changes what later steps of the job run (zizmor: github-env)
        assert not re.search(r">>\s*\"?\$\{?GITHUB_(PATH|ENV)\b", step["run"]), step["id"]
    for step in STEPS:  # the later steps call the venv's tool by its full path
        if step["id"] != "install":
            assert f'"$RUNNER_TEMP/{TOOL}" ' in step["run"], step["id"]
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


# --- the CI recipes pass a security audit and their schemas ---------------------------------

WORKFLOW_PATH = "# .github/workflows/usage-logging.yml\n"
# the README's stand-ins for this project's own release; everything else in the block is real
PLACEHOLDERS = {"<owner>": "owner", "<release commit SHA>": "0" * 40, "<tag>": "v0.1.0"}
PINNED = re.compile(r"^\s*- uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")


def readme_workflow() -> str:
    """The README's workflow YAML block, as a user would copy it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```yaml\n" + WORKFLOW_PATH) + len("```yaml\n")
    return text[start : text.index("```", start)]


def filled(workflow: str) -> str:
    """The workflow with this project's release filled in, and nothing else left to fill."""
    for placeholder, value in PLACEHOLDERS.items():
        assert workflow.count(placeholder) == 1, placeholder
        workflow = workflow.replace(placeholder, value)
    assert "<" not in workflow, workflow
    return workflow


def recipes(tmp: Path) -> tuple[Path, Path]:
    """The README's workflow (filled in) and action.yml in a fresh folder, where no
    configuration file of the checkout can switch an audit off."""
    workflow = filled(readme_workflow())
    (tmp / ".github/workflows").mkdir(parents=True)
    (tmp / ".github/workflows/usage-logging.yml").write_text(workflow, encoding="utf-8")
    shutil.copy(ROOT / "action.yml", tmp / "action.yml")
    return tmp / ".github/workflows/usage-logging.yml", tmp / "action.yml"


def tool(name: str) -> str:
    """A checker from the test extras; missing, the test fails: these audits never skip."""
    found = Path(sys.executable).parent / name
    if not found.is_file():
        found = Path(shutil.which(name) or name)
    if not found.is_file():
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return str(found)


def offline_env() -> dict[str, str]:
    """No token in reach: zizmor runs its offline audits only, as in CI without secrets."""
    return {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}


def test_every_action_of_the_readme_workflow_is_pinned_to_a_commit_with_its_version() -> None:
    uses = [line for line in filled(readme_workflow()).splitlines() if "uses:" in line]
    pinned = [PINNED.match(line) for line in uses]
    assert all(pinned), uses
    assert [m.group(1) for m in pinned if m] == [
        "actions/checkout",
        "actions/setup-python",
        "owner/tvusage-lint",
        "github/codeql-action/upload-sarif",
    ]
    workflow = yaml.safe_load(readme_workflow())
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False


def test_the_readme_workflow_and_the_action_pass_zizmor_offline(tmp_path: Path) -> None:
    workflow, action = recipes(tmp_path)
    done = subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--format",
            "json",
            str(workflow),
            str(action),
        ],
        capture_output=True,
        text=True,
        env=offline_env(),
        cwd=tmp_path,
    )
    assert (done.returncode, json.loads(done.stdout)) == (0, []), done.stdout + done.stderr


@pytest.mark.parametrize(
    ("schema", "name"),
    [("vendor.github-workflows", "workflow"), ("vendor.github-actions", "action")],
)
def test_the_readme_workflow_and_the_action_match_their_schemas(
    tmp_path: Path, schema: str, name: str
) -> None:
    workflow, action = recipes(tmp_path)
    done = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            schema,
            str(workflow if name == "workflow" else action),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout
