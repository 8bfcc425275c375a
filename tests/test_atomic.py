"""atomic.replace_file: the old file or the new one, never half, never a temp file left."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from tvusage_lint.files.atomic import replace_file, signals_deferred


def test_a_signal_inside_is_delivered_after_the_block() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("finished the block")
    assert steps == ["finished the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_replace_keeps_the_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("old\n")
    replace_file(path, b"new\n", mode=0o751)
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.py"]


def test_a_failed_check_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("old\n")

    def refuse() -> None:
        raise RuntimeError("changed meanwhile")

    with pytest.raises(RuntimeError, match="changed meanwhile"):
        replace_file(path, b"new\n", verify=refuse)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.py"]


def test_a_signal_during_the_write_completes_the_file_first(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "f.py"
    path.write_text("old\n")
    real = os.fsync

    def fsync_then_interrupt(fd: int) -> None:
        real(fd)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "fsync", fsync_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        replace_file(path, b"new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.py"]
