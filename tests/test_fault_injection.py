"""Faults injected into a run: files that vanish or fail to read, parse workers that die."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from tests.helpers import check, write_tree
from tvusage_lint import engine
from tvusage_lint.core.config import Settings
from tvusage_lint.engine import Engine
from tvusage_lint.files import discovery, parallel, reading

MODULES = {f"torchvision/ops/m{i:02d}.py": f"def op_{i}(x):\n    return x\n" for i in range(60)}


def _brief(result) -> list[tuple[str, str, int, str]]:
    return [(f.code, f.path, f.line, f.message) for f in result.findings]


def test_a_file_deleted_after_discovery_is_a_parse_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"})
    real = discovery.discover

    def discover_then_delete(*args, **kwargs):
        found = real(*args, **kwargs)
        (tmp_path / "torchvision/ops/boxes.py").unlink()
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    result = check(tmp_path)
    assert [(f.code, f.path, f.line) for f in result.findings] == [
        ("TVU001", "torchvision/ops/boxes.py", 1)
    ]
    assert result.findings[0].message.startswith("cannot check this file: cannot read:")


def test_a_read_error_is_a_parse_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"})
    (tmp_path / "torchvision/ops/roi.py").write_text("def roi_align(x):\n    return x\n")
    real = os.read

    def failing(fd: int, size: int) -> bytes:  # an I/O error while reading roi.py
        if os.readlink(f"/proc/self/fd/{fd}").endswith("roi.py"):
            raise OSError(5, "Input/output error")
        return real(fd, size)

    monkeypatch.setattr(reading.os, "read", failing)
    assert _brief(check(tmp_path)) == [
        (
            "TVU102",
            "torchvision/ops/boxes.py",
            1,
            "public function `nms` does not call `_log_api_usage_once(nms)`",
        ),
        (
            "TVU001",
            "torchvision/ops/roi.py",
            1,
            "cannot check this file: cannot read: Input/output error",
        ),
    ]


def test_a_parse_worker_that_dies_costs_one_file_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a worker killed by a parser crash or the OOM killer used to end the run with
    # BrokenProcessPool; now its files are parsed again, halving until the culprit is found
    files = {**MODULES, "torchvision/ops/poison_a.py": "", "torchvision/ops/poison_b.py": ""}
    write_tree(tmp_path, files)
    expected = Engine(Settings(), jobs=1).run([str(tmp_path / "torchvision")], cwd=tmp_path)
    parent = os.getpid()
    real = parallel._extract

    def crash_in_workers(kind: str, data, error: str, name: str) -> object:
        if name.startswith("poison") and os.getpid() != parent:
            os._exit(70)
        return real(kind, data, error, name)

    monkeypatch.setattr(parallel, "_extract", crash_in_workers)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = Engine(Settings(), jobs=2).run([str(tmp_path / "torchvision")], cwd=tmp_path)
    # the files are parsed again after the broken pool is shut down, not beside its
    # threads: no fork from a multi-threaded process (which 3.12+ warns of)
    assert [str(w.message) for w in caught if "multi-threaded" in str(w.message)] == []
    crashed = (
        "TVU001",
        "torchvision/ops/poison_a.py",  # in the worker's chunk; poison_b is parsed in-process
        1,
        "cannot check this file: the parser crashed on this file (its process died); "
        "please report it",
    )
    assert sorted(_brief(got)) == sorted([*_brief(expected), crashed])
