"""``check --diff-base`` and ``events --diff-base`` on throwaway git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}

BOXES = '''\
import torch

from ..utils import _log_api_usage_once


def nms(boxes):
    """Logged."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        _log_api_usage_once(nms)
    return boxes


def box_area(boxes):
    """Old debt: never logged."""
    return boxes
'''


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("GIT_DIR")}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write_tree(root, {"torchvision/ops/boxes.py": BOXES})
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def codes(out: str) -> list[tuple[str, str]]:
    return [(f["code"], f["symbol"]) for f in json.loads(out)]


def check(repo: Path, *args: str, cwd: Path | None = None):
    return run_cli(["check", "--no-cache", "--format", "json", *args], cwd or repo)


def test_old_debt_is_quiet_and_a_new_unlogged_function_fails(repo: Path) -> None:
    boxes = repo / "torchvision/ops/boxes.py"
    edit(boxes, "def box_area", "def box_iou(a, b):\n    return a\n\n\ndef box_area")
    commit(repo, "add box_iou without logging")
    full = check(repo, "torchvision")
    assert sorted(codes(full.output)) == [
        ("TVU102", "torchvision.ops.boxes.box_area"),
        ("TVU102", "torchvision.ops.boxes.box_iou"),
    ]
    new = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert new.exit_code == 1
    assert codes(new.stdout) == [("TVU102", "torchvision.ops.boxes.box_iou")]
    # the old finding lives in the touched file, but it is not new
    assert "1 finding already at the merge base" in new.stderr


def test_nothing_new_exits_zero_even_with_old_debt(repo: Path) -> None:
    edit(repo / "torchvision/ops/boxes.py", '"""Logged."""', '"""Logged; edited."""')
    commit(repo, "docstring")
    result = check(repo, "--diff-base", "main~1", "torchvision")
    assert (result.exit_code, codes(result.stdout)) == (0, [])


def test_removing_the_call_from_an_existing_entry_point_is_reported(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(nms)\n",
        "",
    )
    commit(repo, "drop the call")
    result = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert codes(result.stdout) == [("TVU102", "torchvision.ops.boxes.nms")]


def test_uncommitted_changes_count_as_head(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        "def box_area",
        "def box_iou(a):\n    return a\n\n\ndef box_area",
    )
    result = check(repo, "--diff-base", "HEAD", "torchvision")
    assert codes(result.stdout) == [("TVU102", "torchvision.ops.boxes.box_iou")]


def test_a_second_violation_in_the_same_symbol_is_new(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        '"""Old debt: never logged."""\n',
        '"""Old debt: never logged."""\n    x = 1\n    _log_api_usage_once(nms)\n',
    )
    commit(repo, "bad call")
    before = check(repo, "torchvision")
    assert sorted(c for c, _ in codes(before.output)) == ["TVU201", "TVU203", "TVU204"]
    git(repo, "tag", "one")
    edit(
        repo / "torchvision/ops/boxes.py",
        "    x = 1\n",
        "    x = 1\n    _log_api_usage_once(nms)\n",
    )
    result = check(repo, "--diff-base", "one", "torchvision")
    # one more TVU204 (and TVU201/TVU203) in box_area than at the base: multiset, not set
    assert sorted(codes(result.stdout)) == [
        ("TVU201", "torchvision.ops.boxes.box_area"),
        ("TVU203", "torchvision.ops.boxes.box_area"),
        ("TVU204", "torchvision.ops.boxes.box_area"),
    ]


def test_a_renamed_module_keeps_its_old_findings(repo: Path) -> None:
    git(repo, "mv", "torchvision/ops/boxes.py", "torchvision/ops/box_ops.py")
    commit(repo, "rename")
    full = check(repo, "torchvision")
    assert codes(full.output) == [("TVU102", "torchvision.ops.box_ops.box_area")]
    result = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert (result.exit_code, codes(result.stdout)) == (0, [])
    # the events of the moved module change name: usage data under a new key
    events = run_cli(
        ["events", "--no-cache", "--format", "json", "--diff-base", "HEAD~1", "torchvision"], repo
    )
    data = json.loads(events.stdout)
    assert [e["event"] for e in data["added"]] == ["torchvision.ops.box_ops.nms"]
    assert [(e["event"], e["path"]) for e in data["removed"]] == [
        ("torchvision.ops.boxes.nms", "torchvision/ops/boxes.py")
    ]


def test_from_a_subdirectory_paths_are_relative_to_it(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        "def box_area",
        "def box_iou(a):\n    return a\n\n\ndef box_area",
    )
    commit(repo, "add")
    sub = repo / "torchvision"
    result = run_cli(["check", "--no-cache", "--diff-base", "HEAD~1", "ops"], sub)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        "ops/boxes.py:13:1: TVU102 public function `box_iou`"
    )


def test_events_diff_base_lists_a_removed_event(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(nms)\n",
        "",
    )
    commit(repo, "drop the call")
    base = git(repo, "rev-parse", "HEAD~1").strip()
    text = run_cli(["events", "--no-cache", "--diff-base", "HEAD~1", "torchvision"], repo)
    assert text.exit_code == 0
    assert text.stdout.splitlines() == [
        f"- torchvision.ops.boxes.nms  torchvision/ops/boxes.py:6 (in {base[:12]})",
        f"0 events added, 1 removed, 0 renamed since {base[:12]}.",
    ]
    csv = run_cli(
        ["events", "--no-cache", "--format", "csv", "--diff-base", "HEAD~1", "torchvision"], repo
    )
    assert csv.stdout.splitlines() == [
        "change,event,symbol,kind,language,subpackage,path,line,via,symbol_kind,expression,"
        "call_path,call_line,calls,old_event",
        "removed,torchvision.ops.boxes.nms,torchvision.ops.boxes.nms,entry,python,ops,"
        "torchvision/ops/boxes.py,6,,function,,torchvision/ops/boxes.py,9,"
        "torchvision/ops/boxes.py:9,",
    ]
    data = json.loads(
        run_cli(
            ["events", "--no-cache", "--format", "json", "--diff-base", "HEAD~1", "torchvision"],
            repo,
        ).stdout
    )
    assert (data["base"], data["added"], len(data["removed"])) == (base, [], 1)


# --- one-line errors -------------------------------------------------------------------


def test_unknown_ref_is_a_usage_error(repo: Path) -> None:
    result = check(repo, "--diff-base", "origin/main", "torchvision")
    assert result.exit_code == 2
    assert result.stderr == (
        "tvusage-lint: error: unknown revision `origin/main`: fetch it first "
        "(e.g. `git fetch origin main`)\n"
    )


def test_not_a_repository(tmp_path: Path) -> None:
    write_tree(tmp_path / "plain", {"torchvision/ops/boxes.py": BOXES})
    result = check(tmp_path / "plain", "--diff-base", "main", "torchvision")
    assert result.exit_code == 2
    assert result.stderr.startswith("tvusage-lint: error: ")
    assert result.stderr.endswith(
        ": not inside a git repository (--diff-base compares with git history)\n"
    )
    assert result.stderr.count("\n") == 1


def test_shallow_clone_without_the_merge_base(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo / "torchvision/ops/boxes.py", '"""Logged."""', '"""Logged; feature."""')
    commit(repo, "feature")
    git(repo, "checkout", "-q", "main")
    edit(repo / "torchvision/ops/boxes.py", '"""Old debt', '"""Main moved on; old debt')
    commit(repo, "main moves")
    clone = tmp_path / "clone"
    git(
        tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone)
    )
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    result = check(clone, "--diff-base", "origin/main", "torchvision")
    assert result.exit_code == 2
    assert result.stderr == (
        "tvusage-lint: error: no merge base of `origin/main` and HEAD in this shallow clone: "
        "run `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)\n"
    )
    missing = check(clone, "--diff-base", "HEAD~1", "torchvision")
    assert missing.stderr == (
        "tvusage-lint: error: unknown revision `HEAD~1` in this shallow clone: run "
        "`git fetch --unshallow` or fetch the branch (e.g. `git fetch origin main`)\n"
    )
    git(clone, "fetch", "-q", "--unshallow", "origin")
    assert check(clone, "--diff-base", "origin/main", "torchvision").exit_code == 0


def test_a_ref_that_looks_like_an_option_is_refused(repo: Path) -> None:
    result = check(repo, "--diff-base=--output=/tmp/x", "torchvision")
    assert result.exit_code == 2
    assert "invalid --diff-base `--output=/tmp/x`" in result.stderr


# --- the checkout is untrusted ------------------------------------------------------------


def test_repository_config_cannot_make_git_run_code(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n", encoding="utf-8")
    script.chmod(0o755)
    for key in (
        "core.fsmonitor",
        "diff.external",
        "core.pager",
        "filter.x.smudge",
        "filter.x.clean",
    ):
        git(repo, "config", key, str(script))
    git(repo, "config", "diff.x.textconv", str(script))
    (repo / ".gitattributes").write_text("*.py filter=x diff=x\n", encoding="utf-8")
    hooks = repo / ".git/hooks"
    for hook in ("post-checkout", "pre-commit", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
        (hooks / hook).chmod(0o755)
    git(repo, "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "add", "-A")
    git(
        repo,
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        "commit",
        "-q",
        "-m",
        "attrs",
    )
    marker.unlink(missing_ok=True)
    edit(
        repo / "torchvision/ops/boxes.py",
        "def box_area",
        "def box_iou(a):\n    return a\n\n\ndef box_area",
    )
    result = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert codes(result.stdout) == [("TVU102", "torchvision.ops.boxes.box_iou")]
    assert not marker.exists()


def test_the_temporary_base_tree_is_removed(repo: Path, tmp_path: Path, monkeypatch) -> None:
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    check(repo, "--diff-base", "HEAD", "torchvision")
    check(repo, "--diff-base", "nope", "torchvision")
    assert list(scratch.iterdir()) == []


def test_only_the_folders_holding_the_paths_are_exported(repo: Path, tmp_path: Path) -> None:
    from tvusage_lint.gate import gitbase

    write_tree(repo, {"test/test_ops.py": "def test_x():\n    pass\n", "setup.py": ""})
    (repo / "ln.py").symlink_to("/etc/passwd")
    commit(repo, "tests beside the package")
    head = git(repo, "rev-parse", "HEAD").strip()
    top = gitbase.repo_top(repo / "torchvision")
    assert gitbase.top_folders(top, [repo / "torchvision/ops", repo / "torchvision"]) == (
        "torchvision",
    )
    one = tmp_path / "one"
    one.mkdir()
    gitbase.export(top, head, one, ("*.py",), ("torchvision",))
    assert sorted(p.relative_to(one).as_posix() for p in one.rglob("*.py")) == [
        "torchvision/__init__.py",
        "torchvision/ops/__init__.py",
        "torchvision/ops/boxes.py",
        "torchvision/utils.py",
    ]
    everything = tmp_path / "all"
    everything.mkdir()
    gitbase.export(top, head, everything, ("*.py",), gitbase.top_folders(top, [repo]))
    # the whole tree, but never the symlink (a blob git stores with mode 120000)
    assert sorted(p.relative_to(everything).as_posix() for p in everything.rglob("*.py")) == [
        "setup.py",
        "test/__init__.py",
        "test/test_ops.py",
        "torchvision/__init__.py",
        "torchvision/ops/__init__.py",
        "torchvision/ops/boxes.py",
        "torchvision/utils.py",
    ]


def test_a_blob_missing_from_the_clone_is_a_one_line_error(repo: Path) -> None:
    boxes = git(repo, "rev-parse", "HEAD:torchvision/ops/boxes.py").strip()
    edit(repo / "torchvision/ops/boxes.py", '"""Logged."""', '"""Logged; edited."""')
    commit(repo, "edit")
    obj = repo / ".git/objects" / boxes[:2] / boxes[2:]
    assert obj.exists()  # loose: the blob of the base's boxes.py, gone as in a partial clone
    obj.chmod(0o644)
    obj.unlink()
    result = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert (result.exit_code, result.stderr) == (
        2,
        "tvusage-lint: error: torchvision/ops/boxes.py: its blob is not in this clone "
        "(a partial clone?): run `git fetch --refetch` or check out without a blob filter\n",
    )


def test_a_missing_path_is_reported_as_such(repo: Path) -> None:
    result = check(repo, "--diff-base", "HEAD", "torchvision/nope.py")
    assert (result.exit_code, result.stderr) == (
        2,
        "tvusage-lint: error: torchvision/nope.py: no such file or directory\n",
    )


def test_a_cpp_event_that_disappears_is_listed(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "fx"
    shutil.copytree(Path(__file__).parent.parent / "fixtures", repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "fixtures")
    png = repo / "torchvision/csrc/io/image/cpu/decode_png.cpp"
    edit(
        png,
        '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.decode_png.decode_png");\n',
        "",
    )
    commit(repo, "a port that drops the macro")
    result = run_cli(
        ["events", "--no-cache", "--format", "json", "--diff-base", "main~1", "torchvision"], repo
    )
    data = json.loads(result.stdout)
    assert data["added"] == []
    assert data["removed"] == [
        {
            "event": "torchvision.csrc.io.image.cpu.decode_png.decode_png",
            "symbol": "vision::image::decode_png",
            "kind": "entry",
            "language": "cpp",
            "subpackage": "io",
            "path": "torchvision/csrc/io/image/cpu/decode_png.cpp",
            "line": 14,
            "via": None,
            "symbol_kind": "cpp",
            "expression": None,
            "call_path": "torchvision/csrc/io/image/cpu/decode_png.cpp",
            "call_line": 15,
            "calls": ["torchvision/csrc/io/image/cpu/decode_png.cpp:15"],
        }
    ]
    # and check --diff-base reports the entry point that stopped logging, nothing old
    new = check(repo, "--diff-base", "main~1", "torchvision")
    assert codes(new.stdout) == [("TVU301", "vision::image::decode_png")]


def test_git_variables_in_the_environment_do_not_redirect_it(
    repo: Path, tmp_path: Path, monkeypatch
) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    monkeypatch.setenv("GIT_PAGER", str(script))
    edit(
        repo / "torchvision/ops/boxes.py",
        "def box_area",
        "def box_iou(a):\n    return a\n\n\ndef box_area",
    )
    result = check(repo, "--diff-base", "HEAD", "torchvision")
    assert codes(result.stdout) == [("TVU102", "torchvision.ops.boxes.box_iou")]
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_checkout_git_refuses_gets_a_hint(repo: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no global safe.directory
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 65534, 65534)
    result = check(repo, "--diff-base", "HEAD", "torchvision")
    assert (result.exit_code, result.stderr) == (
        2,
        f"tvusage-lint: error: git refuses the repository at {repo / 'torchvision'} (owned by "
        f"another user): if you trust it, run `git config --global --add safe.directory {repo}`\n",
    )


def test_a_moved_package_keeps_its_findings_and_a_moved_cpp_file_too(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "fx"
    shutil.copytree(Path(__file__).parent.parent / "fixtures", repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "fixtures")
    git(repo, "mv", "torchvision/transforms/v2", "torchvision/transforms/v3")
    git(
        repo,
        "mv",
        "torchvision/csrc/io/image/cpu/encode_png.cpp",
        "torchvision/csrc/io/image/cpu/png_encoder.cpp",
    )
    commit(repo, "move a package and a C++ file")
    everything = check(repo, "torchvision")
    assert ("TVU101", "torchvision.transforms.v3._geometry.RandomCrop") in codes(everything.stdout)
    assert ("TVU102", "torchvision.transforms.v3.functional._geometry.crop") in codes(
        everything.stdout
    )
    assert ("TVU301", "vision::image::encode_png") in codes(everything.stdout)
    result = check(repo, "--diff-base", "HEAD~1", "torchvision")
    assert (result.exit_code, codes(result.stdout)) == (0, [])
    assert "22 findings already at the merge base" in result.stderr


def test_events_diff_base_reports_a_rename_and_fails_on_it(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        "        _log_api_usage_once(nms)\n",
        '        torch._C._log_api_usage_once("torchvision.ops.nms")\n',
    )
    commit(repo, "a shorter event string")
    base = git(repo, "rev-parse", "HEAD~1").strip()
    args = ["events", "--no-cache", "--diff-base", "HEAD~1", "--fail-on-removed", "torchvision"]
    text = run_cli(args, repo)
    assert text.exit_code == 1
    assert text.stdout.splitlines() == [
        "~ torchvision.ops.boxes.nms: torchvision.ops.boxes.nms -> torchvision.ops.nms"
        "  torchvision/ops/boxes.py:6",
        f"0 events added, 0 removed, 1 renamed since {base[:12]}.",
    ]
    data = json.loads(run_cli([*args[:-1], "--format", "json", "torchvision"], repo).stdout)
    assert (data["added"], data["removed"]) == ([], [])
    assert [(r["symbol"], r["old"], r["new"]) for r in data["renamed"]] == [
        ("torchvision.ops.boxes.nms", "torchvision.ops.boxes.nms", "torchvision.ops.nms")
    ]


def test_events_diff_base_fail_on_removed_passes_when_events_are_only_added(repo: Path) -> None:
    edit(
        repo / "torchvision/ops/boxes.py",
        '    """Old debt: never logged."""\n',
        '    """Old debt: never logged."""\n'
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(box_area)\n",
    )
    commit(repo, "log box_area")
    result = run_cli(
        ["events", "--no-cache", "--diff-base", "HEAD~1", "--fail-on-removed", "torchvision"], repo
    )
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[0]
        == "+ torchvision.ops.boxes.box_area  torchvision/ops/boxes.py:13"
    )
