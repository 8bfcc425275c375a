"""``--fix`` on a hostile or moving checkout: links are never replaced, nothing is written
outside the project, read-only and changed files are left alone, an interrupted run
leaves every file old or new and no temporary file."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli, settings, write_tree
from tvusage_lint.engine import Engine
from tvusage_lint.fix.apply import apply_fixes

OP = """
    def {name}(x):
        return x
"""
FIXED = """
    import torch

    from ..utils import _log_api_usage_once


    def {name}(x):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            _log_api_usage_once({name})
        return x
"""


def text(template: str, name: str) -> str:
    return textwrap.dedent(template.format(name=name)).lstrip("\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_tree(
        root,
        {
            "pyproject.toml": "[project]\nname = 'demo'\n",
            "torchvision/ops/alpha.py": OP.format(name="alpha"),
            "torchvision/ops/beta.py": OP.format(name="beta"),
        },
    )
    return root


def fix(root: Path) -> tuple[int, str]:
    run = run_cli(["check", "--fix", "--no-cache", "torchvision"], root)
    return run.exit_code, run.stderr


def temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.parent.rglob("*.tvusage-tmp"))


def test_fix_writes_through_a_link_inside_the_project(project: Path) -> None:
    shared = project / "shared/beta_impl.py"
    shared.parent.mkdir()
    (project / "torchvision/ops/beta.py").rename(shared)
    os.symlink("../../shared/beta_impl.py", project / "torchvision/ops/beta.py")
    shared.chmod(0o750)
    assert fix(project) == (0, "Fixed 2 files.\n")
    link = project / "torchvision/ops/beta.py"
    assert link.is_symlink() and os.readlink(link) == "../../shared/beta_impl.py"
    assert shared.read_text() == text(FIXED, "beta")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750
    assert (project / "torchvision/ops/alpha.py").read_text() == text(FIXED, "alpha")
    assert temp_files(project) == []


def test_fix_never_writes_through_a_link_to_outside(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(text(OP, "beta"))
    beta = project / "torchvision/ops/beta.py"
    result = Engine(settings()).run([str(project / "torchvision")], cwd=project)
    # between the analysis and the fix, the file becomes a link out of the project
    beta.unlink()
    os.symlink(outside, beta)
    outcome = apply_fixes(result, unsafe=False, write=True)
    assert outcome.messages == [
        "torchvision/ops/beta.py: not fixed: symlink to outside the project"
    ]
    assert outcome.changed == ["torchvision/ops/alpha.py"]
    assert beta.is_symlink() and outside.read_text() == text(OP, "beta")
    assert temp_files(project) == [] and list(tmp_path.glob(".*")) == []


def test_a_link_to_outside_is_left_alone_by_the_command_line(project: Path, tmp_path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(text(OP, "beta"))
    beta = project / "torchvision/ops/beta.py"
    beta.unlink()
    os.symlink(outside, beta)
    assert fix(project) == (
        0,
        "tvusage-lint: warning: torchvision/ops/beta.py: symlink to outside the project; skipped\n"
        "Fixed 1 file.\n",
    )
    assert beta.is_symlink() and outside.read_text() == text(OP, "beta")
    assert (project / "torchvision/ops/alpha.py").read_text() == text(FIXED, "alpha")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_fix_keeps_the_owner_of_a_file(project: Path) -> None:
    alpha = project / "torchvision/ops/alpha.py"
    os.chown(alpha, 4321, 4322)
    assert fix(project) == (0, "Fixed 2 files.\n")
    assert alpha.read_text() == text(FIXED, "alpha")
    assert (alpha.stat().st_uid, alpha.stat().st_gid) == (4321, 4322)


def test_read_only_file_is_not_fixed_and_the_others_are(project: Path) -> None:
    alpha = project / "torchvision/ops/alpha.py"
    alpha.chmod(0o444)
    code, stderr = fix(project)
    assert (code, stderr) == (
        1,
        "tvusage-lint: warning: torchvision/ops/alpha.py: not fixed: the file is read-only\n"
        "Fixed 1 file.\n",
    )
    assert alpha.read_text() == text(OP, "alpha")
    assert stat.S_IMODE(alpha.stat().st_mode) == 0o444
    assert (project / "torchvision/ops/beta.py").read_text() == text(FIXED, "beta")


def test_a_file_changed_after_analysis_is_not_overwritten(project: Path, monkeypatch) -> None:
    from tvusage_lint.fix import python as pyfix

    beta = project / "torchvision/ops/beta.py"
    real = pyfix.fix_text
    edits = []

    def fix_then_edit(text: str, findings, **kwargs):
        fixed = real(text, findings, **kwargs)
        if kwargs["module_name"] == "torchvision.ops.beta" and not edits:
            edits.append(1)
            beta.write_text(text + "# saved in the editor meanwhile\n")
        return fixed

    monkeypatch.setattr(pyfix, "fix_text", fix_then_edit)
    result = Engine(settings()).run([str(project / "torchvision")], cwd=project)
    outcome = apply_fixes(result, unsafe=False, write=True)
    assert outcome.messages == [
        "torchvision/ops/beta.py: not fixed: the file changed on disk since it was read"
    ]
    assert outcome.changed == ["torchvision/ops/alpha.py"]
    assert beta.read_text() == text(OP, "beta") + "# saved in the editor meanwhile\n"
    assert (project / "torchvision/ops/alpha.py").read_text() == text(FIXED, "alpha")
    assert temp_files(project) == []
    # through --fix, the next round reads the edited file and fixes it, keeping the edit
    for name in ("alpha", "beta"):
        (project / f"torchvision/ops/{name}.py").write_text(text(OP, name))
    edits.clear()
    assert fix(project) == (0, "Fixed 2 files.\n")
    assert edits == [1]
    assert beta.read_text() == text(FIXED, "beta") + "# saved in the editor meanwhile\n"


# Runs the command line with os.replace hooked: the signal arrives while the first
# fixed file (alpha.py) is on its way into place.
INTERRUPTED = """
import os, signal, sys

real = os.replace

def replace(src, dst):
    if str(dst).endswith(".py"):
        os.kill(os.getpid(), signal.{name})
    return real(src, dst)

os.replace = replace
from tvusage_lint.frontends.cli import main

sys.argv = ["tvusage-lint", "check", "--fix", "--no-cache", "torchvision"]
main()
"""


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 1), ("SIGTERM", -signal.SIGTERM)])
def test_a_signal_during_the_fix_leaves_old_or_new_files_and_no_temp(project, name, code):
    backup = project.parent / "backup"
    shutil.copytree(project, backup)
    run = subprocess.run(
        [sys.executable, "-c", INTERRUPTED.format(name=name)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == code, run.stderr
    # the file being written when the signal came is complete; the run stopped after it
    assert (project / "torchvision/ops/alpha.py").read_text() == text(FIXED, "alpha")
    assert (project / "torchvision/ops/beta.py").read_text() == text(OP, "beta")
    assert temp_files(project) == []
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == sorted(
        p.relative_to(backup) for p in backup.rglob("*")
    )
