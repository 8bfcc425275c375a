"""A checkout is hostile input: special files, links and huge files never hang or
mislead a run; they are skipped with a note (or get a TVU001) and the run goes on.

The command line runs in a subprocess with a timeout wherever a regression would
block (a FIFO opened for reading waits for a writer): it fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import check, run_cli, write_tree
from tvusage_lint.files import reading

TREE = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "torchvision/ops/boxes.py": "def nms(x):\n    return x\n",
}
NMS = ("TVU102", 1, "torchvision/ops/boxes.py")


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvusage_lint", "check", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def found(run: subprocess.CompletedProcess[str]) -> list[tuple[str, int, str]]:
    return [(f["code"], f["line"], f["path"]) for f in json.loads(run.stdout)]


def warned(*notes: str) -> str:
    return "".join(f"tvusage-lint: warning: {note}\n" for note in notes)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project", TREE)


def test_fifo_in_the_tree_is_skipped(tree: Path) -> None:
    os.mkfifo(tree / "torchvision/ops/x.py")
    run = cli(tree, "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/x.py: not a regular file; skipped")


def test_fifo_named_on_the_command_line_is_skipped(tree: Path) -> None:
    os.mkfifo(tree / "torchvision/ops/x.py")
    run = cli(tree, "torchvision/ops/x.py", "torchvision/ops/boxes.py")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/x.py: not a regular file; skipped")


def test_fifo_in_a_csrc_tree_is_skipped(tree: Path) -> None:
    (tree / "torchvision/csrc").mkdir()
    os.mkfifo(tree / "torchvision/csrc/nms.cpp")
    run = cli(tree, "torchvision/ops/boxes.py", "torchvision/csrc")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/csrc/nms.cpp: not a regular file; skipped")


def test_link_to_a_device_is_skipped(tree: Path) -> None:
    os.symlink("/dev/zero", tree / "torchvision/ops/y.py")
    run = cli(tree, "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/y.py: symlink to outside the project; skipped")


def test_link_inside_the_project_to_a_fifo_is_skipped(tree: Path) -> None:
    os.mkfifo(tree / "pipe")
    os.symlink("../../pipe", tree / "torchvision/ops/z.py")
    run = cli(tree, "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/z.py: not a regular file; skipped")


def test_link_to_a_file_outside_the_project_is_not_read(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text("def secret(x):\n    return x\n")
    os.symlink(tmp_path / "outside.py", tree / "torchvision/ops/leak.py")
    run = cli(tree, "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/leak.py: symlink to outside the project; skipped")
    named = cli(tree, "torchvision/ops/leak.py")
    assert (named.returncode, found(named)) == (0, [])
    assert named.stderr == run.stderr


def test_directory_link_to_outside_the_project_is_not_walked(tree: Path, tmp_path: Path) -> None:
    write_tree(tmp_path / "elsewhere", {"torchvision/io/video.py": "def read(p):\n    return p\n"})
    os.symlink(tmp_path / "elsewhere/torchvision", tree / "other")
    run = cli(tree, "other", "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("other: symlink to outside the project; skipped")


def test_broken_link_in_the_tree_is_skipped(tree: Path) -> None:
    os.symlink("missing.py", tree / "torchvision/ops/gone.py")
    run = cli(tree, "torchvision")
    assert (run.returncode, found(run)) == (1, [NMS])
    assert run.stderr == warned("torchvision/ops/gone.py: broken symbolic link; skipped")


def test_link_and_target_are_checked_once(tree: Path) -> None:
    os.symlink("boxes.py", tree / "torchvision/ops/alias.py")
    for args in (["torchvision"], ["torchvision/ops/alias.py", "torchvision/ops/boxes.py"]):
        run = cli(tree, *args)
        assert (run.returncode, run.stderr, found(run)) == (1, "", [NMS])
    # only the link named: its target is in the package, checked under its own name
    run = cli(tree, "torchvision/ops/alias.py")
    assert (run.returncode, run.stderr, found(run)) == (1, "", [NMS])


def test_link_to_a_file_elsewhere_in_the_project_is_checked(tree: Path) -> None:
    write_tree(tree, {"shared/ops.py": "def roi_pool(x):\n    return x\n"})
    os.symlink("../../shared/ops.py", tree / "torchvision/ops/roi.py")
    result = check(tree)
    assert [(f.code, f.line, f.symbol) for f in result.findings] == [
        ("TVU102", 1, "torchvision.ops.boxes.nms"),
        ("TVU102", 1, "torchvision.ops.roi.roi_pool"),
    ]


def test_too_large_file_is_tvu001(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n[tool.tvusage-lint]\nmax-file-size = 1000\n"
    )
    (tree / "torchvision/ops/big.py").write_text("x = 1\n" * 167)  # 1002 bytes
    (tree / "torchvision/ops/edge.py").write_text("x = 1\n" * 166 + "#\n\n")  # 1000 bytes
    result = run_cli(["check", "torchvision", "--no-cache", "--format", "json"], tree)
    assert (result.exit_code, result.stderr) == (1, "")
    assert [(f["code"], f["line"], f["path"], f["message"]) for f in json.loads(result.stdout)] == [
        (
            "TVU001",
            1,
            "torchvision/ops/big.py",
            "cannot check this file: file too large "
            "(more than 1000 bytes; raise `max-file-size` to check it)",
        ),
        NMS + ("public function `nms` does not call `_log_api_usage_once(nms)`",),
    ]


@pytest.mark.parametrize("value", ["'4MB'", "0", "-1", "true", "1.5"])
def test_bad_max_file_size_is_a_one_line_error(tree: Path, value: str) -> None:
    (tree / "pyproject.toml").write_text(f"[tool.tvusage-lint]\nmax-file-size = {value}\n")
    result = run_cli(["check", "torchvision"], tree)
    assert result.exit_code == 2
    assert result.output == (
        f"tvusage-lint: error: {tree / 'pyproject.toml'}: "
        "`max-file-size` must be a positive number of bytes\n"
    )


@pytest.fixture
def alarm():
    """A read that blocks fails the test after 5 s instead of hanging the suite."""

    def timeout(signum, frame):
        raise TimeoutError("blocked")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_reader_never_blocks_or_reads_without_end(tmp_path: Path, alarm) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    assert reading.read_regular(tmp_path / "fifo.py", 100) == (None, "not a regular file")
    assert reading.read_regular("/dev/zero", 100) == (None, "not a regular file")
    assert reading.read_regular(tmp_path, 100) == (None, "not a regular file")
    (tmp_path / "ok.py").write_bytes(b"x" * 100)
    assert reading.read_regular(tmp_path / "ok.py", 100) == (b"x" * 100, "")
    assert reading.read_regular(tmp_path / "ok.py", 99) == (None, reading.too_large(99))
    assert reading.read_regular(tmp_path / "no.py", 99) == (
        None,
        "cannot read: No such file or directory",
    )


def test_reader_stops_at_the_cap_when_the_size_lies(tmp_path: Path, alarm, monkeypatch) -> None:
    """A file that grows after fstat (or a /proc-style file reporting size 0)."""
    (tmp_path / "grows.py").write_bytes(b"y" * 1000)
    real = os.fstat

    def small(fd: int) -> os.stat_result:
        info = real(fd)
        return os.stat_result((info.st_mode, *info[1:6], 10, *info[7:]))

    monkeypatch.setattr(os, "fstat", small)
    assert reading.read_regular(tmp_path / "grows.py", 100) == (None, reading.too_large(100))
