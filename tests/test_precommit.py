"""The pre-commit hooks, run for real by pre-commit in a throwaway git repository.

The local tests take the hook definitions from ``.pre-commit-hooks.yaml`` and
only swap ``language: python`` for ``language: system`` with this interpreter's
``tvusage-lint``, so no network is needed. The ``network`` test lets pre-commit
install this checkout into its own environment, exactly as a user's would.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[1]
MANIFEST = CHECKOUT / ".pre-commit-hooks.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BAD = '''\
def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression."""
    return boxes
'''
GOOD = '''\
import torch

from ..utils import _log_api_usage_once


def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(nms)
    return boxes
'''
HELPER = """\
import torch


def _log_api_usage_once(obj) -> None:
    torch._C._log_api_usage_once(f"{obj.__module__}.{obj.__class__.__name__}")
"""
FINDING = (
    "torchvision/ops/boxes.py:1:1: TVU102 public function `nms` does not call "
    "`_log_api_usage_once(nms)` [*]"
)


def _command() -> list[str]:
    """This environment's CLI: the script beside the interpreter, else ``python -m``."""
    bindir = Path(sys.executable).parent
    for name in ("tvusage-lint", "tvusage-lint.exe"):
        if (bindir / name).is_file():
            return [str(bindir / name)]
    return [sys.executable, "-m", "tvusage_lint"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT", "TVUSAGE_LINT"))
    }
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["TVUSAGE_LINT_CACHE_DIR"] = str(tmp_path / "cache")
    env["PRE_COMMIT_COLOR"] = "never"
    env["NO_COLOR"] = "1"
    return env


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _project(tmp_path: Path, config: dict) -> Path:
    repo = tmp_path / "project"
    files = {
        "torchvision/__init__.py": "",
        "torchvision/utils.py": HELPER,
        "torchvision/ops/__init__.py": "from .boxes import nms\n\n__all__ = ['nms']\n",
        "torchvision/ops/boxes.py": BAD,
        "setup.py": "print('not part of the package')\n",
        # yaml is a superset of json
        ".pre-commit-config.yaml": json.dumps(config, indent=2) + "\n",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


def _pre_commit(repo: Path, tmp_path: Path, *args: str, timeout: int = 120):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _local_hooks() -> list[dict]:
    """The published hooks, pointed at this environment's CLI instead of a pre-commit venv."""
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    out = []
    for hook in hooks:
        entry = shlex.split(hook["entry"])
        assert entry[0] == "tvusage-lint"
        out.append(
            {
                **hook,
                "language": "system",
                "entry": shlex.join(_command() + entry[1:]),
            }
        )
    return out


def test_manifest_declares_both_hooks():
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [
        (
            h["id"],
            h["entry"],
            h["language"],
            h["types_or"],
            h["pass_filenames"],
            h["require_serial"],
        )
        for h in hooks
    ] == [
        ("tvusage-lint", "tvusage-lint check", "python", ["python", "c++", "cuda"], True, True),
        (
            "tvusage-lint-fix",
            "tvusage-lint check --fix --exit-non-zero-on-fix",
            "python",
            ["python", "c++", "cuda"],
            True,
            True,
        ),
    ]
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        check=True,
        capture_output=True,
    )


def test_check_hook_fails_on_violation_and_passes_once_fixed(tmp_path):
    check_hook = next(h for h in _local_hooks() if h["id"] == "tvusage-lint")
    repo = _project(tmp_path, {"repos": [{"repo": "local", "hooks": [check_hook]}]})

    run = _pre_commit(repo, tmp_path, "run", "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- hook id: tvusage-lint\n- exit code: 1\n" in run.stdout
    assert FINDING + "\n" in run.stdout
    assert "Found 1 error in 5 files checked." in run.stdout

    # a commit touching one file: pre-commit passes only that file, and the
    # package around it is still indexed (``__all__`` in ops/__init__.py counts)
    run = _pre_commit(repo, tmp_path, "run", "--files", "torchvision/ops/boxes.py")
    assert run.returncode == 1, run.stdout + run.stderr
    assert FINDING + "\n" in run.stdout
    assert "Found 1 error in 1 file checked." in run.stdout

    (repo / "torchvision/ops/boxes.py").write_text(GOOD, encoding="utf-8")
    _git(repo, "add", "torchvision/ops/boxes.py")
    run = _pre_commit(repo, tmp_path, "run", "--all-files")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout
    # the facts cache lives outside the checkout (where a pull request cannot plant one)
    assert [p.name for p in (tmp_path / "cache").glob("project-*/facts-*")] != []
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    assert untracked.stdout == ""


def test_fix_hook_rewrites_then_passes(tmp_path):
    pytest.importorskip("tvusage_lint.fix.python", reason="the Python fixer is not there yet")
    fix_hook = next(h for h in _local_hooks() if h["id"] == "tvusage-lint-fix")
    repo = _project(tmp_path, {"repos": [{"repo": "local", "hooks": [fix_hook]}]})

    run = _pre_commit(repo, tmp_path, "run", "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- files were modified by this hook" in run.stdout
    fixed = (repo / "torchvision/ops/boxes.py").read_text(encoding="utf-8")
    assert "_log_api_usage_once(nms)" in fixed
    assert "import _log_api_usage_once" in fixed

    _git(repo, "add", "torchvision/ops/boxes.py")
    run = _pre_commit(repo, tmp_path, "run", "--all-files")
    assert run.returncode == 0, run.stdout + run.stderr
    assert (repo / "torchvision/ops/boxes.py").read_text(encoding="utf-8") == fixed


@pytest.mark.network
def test_published_hook_installed_by_pre_commit(tmp_path):
    """``pre-commit try-repo`` on this checkout: pre-commit pip-installs it (needs PyPI)."""
    if not (CHECKOUT / ".git").exists():
        pytest.skip("not a git checkout")
    repo = _project(tmp_path, {"repos": []})
    run = _pre_commit(
        repo, tmp_path, "try-repo", str(CHECKOUT), "tvusage-lint", "--all-files", timeout=600
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert FINDING + "\n" in run.stdout

    (repo / "torchvision/ops/boxes.py").write_text(GOOD, encoding="utf-8")
    _git(repo, "add", "torchvision/ops/boxes.py")
    run = _pre_commit(
        repo, tmp_path, "try-repo", str(CHECKOUT), "tvusage-lint", "--all-files", timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
