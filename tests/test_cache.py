"""The facts cache and ``--jobs``, through the command line.

Every test compares exact findings (code, line, path) between runs, so a cache
or a worker that changes a result fails here, not only one that crashes.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import write_tree

from tvusage_lint import __version__, parallel
from tvusage_lint.cache import CACHE_DIR, cache_file_name
from tvusage_lint.cli import main

CACHE_FILE = cache_file_name()
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by tvusage-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

SMALL = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "torchvision/ops/__init__.py": "from .boxes import box_area, nms\n\n__all__ = ['box_area', 'nms']\n",
    "torchvision/ops/boxes.py": '''
        import torch

        from ..utils import _log_api_usage_once


        def nms(boxes, scores, iou_threshold):
            """Non-maximum suppression."""
            if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                _log_api_usage_once(nms)
            return boxes


        def box_area(boxes):
            return boxes
    ''',
    "torchvision/transforms/functional.py": """
        def hflip(img):
            return img


        def vflip(img):
            return img
    """,
}
SMALL_FINDINGS = [
    ("TVU102", 13, "torchvision/ops/boxes.py"),
    ("TVU102", 1, "torchvision/transforms/functional.py"),
    ("TVU102", 5, "torchvision/transforms/functional.py"),
]


def findings(stdout: str) -> list[tuple[str, int, str]]:
    return [(f["code"], f["line"], f["path"]) for f in json.loads(stdout)]


def check(root: Path, monkeypatch, *extra: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["check", "torchvision", "--format", "json", *extra])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_tree(tmp_path, SMALL)


def test_warm_run_reads_the_cache_and_gives_the_same_findings(small, monkeypatch):
    cold = check(small, monkeypatch)
    assert (cold.exit_code, cold.stderr) == (1, "")
    assert findings(cold.stdout) == SMALL_FINDINGS
    assert (small / CACHE_DIR / CACHE_FILE).is_file()

    # a warm run parses nothing: a parser that fails proves every fact came from the cache
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a file although its facts were cached")

    with monkeypatch.context() as m:
        m.setattr(parallel, "_extract", no_parsing)
        warm = check(small, monkeypatch)
    assert (warm.exit_code, warm.stderr) == (1, "")
    assert warm.stdout == cold.stdout


def test_changed_file_is_parsed_again(small, monkeypatch):
    check(small, monkeypatch)
    boxes = small / "torchvision/ops/boxes.py"
    boxes.write_text(boxes.read_text().replace("def box_area", "def _box_area"))
    warm = check(small, monkeypatch)
    assert findings(warm.stdout) == SMALL_FINDINGS[1:]


def test_cache_folder_is_tagged_and_ignored(small, monkeypatch):
    check(small, monkeypatch)
    folder = small / CACHE_DIR
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "CACHEDIR.TAG", CACHE_FILE]
    assert (folder / "CACHEDIR.TAG").read_text() == TAG
    assert (folder / ".gitignore").read_text() == "# Created by tvusage-lint automatically.\n*\n"
    with open(folder / CACHE_FILE, "rb") as handle:
        assert isinstance(pickle.load(handle), dict)


def test_no_cache_writes_nothing(small, monkeypatch):
    before = sorted(p.relative_to(small) for p in small.rglob("*"))
    run = check(small, monkeypatch, "--no-cache")
    assert (run.exit_code, run.stderr) == (1, "")
    assert findings(run.stdout) == SMALL_FINDINGS
    assert sorted(p.relative_to(small) for p in small.rglob("*")) == before


def test_no_cache_ignores_a_broken_cache(small, monkeypatch):
    (small / CACHE_DIR).mkdir()
    (small / CACHE_DIR / CACHE_FILE).write_bytes(b"not a pickle")
    run = check(small, monkeypatch, "--no-cache")
    assert (run.exit_code, run.stderr) == (1, "")
    assert (small / CACHE_DIR / CACHE_FILE).read_bytes() == b"not a pickle"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a pickle", "is unreadable (UnpicklingError)"),
        (b"", "is unreadable (EOFError)"),
        (pickle.dumps({"k": 1})[:-3], "is unreadable (UnpicklingError)"),
        (pickle.dumps(["a", "list"]), "has an unexpected format"),
    ],
    ids=["garbage", "empty", "truncated", "wrong-type"],
)
def test_corrupt_cache_is_a_warning_and_is_replaced(small, monkeypatch, content, reason):
    expected = check(small, monkeypatch, "--no-cache").stdout
    (small / CACHE_DIR).mkdir()
    cache = small / CACHE_DIR / CACHE_FILE
    cache.write_bytes(content)
    run = check(small, monkeypatch)
    assert run.exit_code == 1
    assert run.stdout == expected
    assert run.stderr == f"tvusage-lint: warning: cache {cache} {reason}; ignoring it\n"
    # the cold run rewrote it: the next run is quiet and warm
    again = check(small, monkeypatch)
    assert (again.exit_code, again.stderr, again.stdout) == (1, "", expected)


def test_corrupt_cache_keeps_a_clean_exit_code(tmp_path, monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": "", "torchvision/io/__init__.py": ""})
    (tmp_path / CACHE_DIR).mkdir()
    (tmp_path / CACHE_DIR / CACHE_FILE).write_bytes(b"\x00\x01")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["check", "torchvision"])
    assert run.exit_code == 0
    assert run.stdout == "All checks passed (3 files checked).\n"
    assert "tvusage-lint: warning: cache " in run.stderr


def test_concurrent_runs_leave_a_loadable_cache(small):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVUSAGE_LINT")}
    command = [sys.executable, "-m", "tvusage_lint", "check", "torchvision", "--format", "json"]
    procs = [
        subprocess.Popen(
            command, cwd=small, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [(p.returncode, err) for p, (_, err) in zip(procs, outputs)] == [(1, "")] * 3
    assert [findings(out) for out, _ in outputs] == [SMALL_FINDINGS] * 3
    folder = small / CACHE_DIR
    # no temporary file left behind, and the store loads
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "CACHEDIR.TAG", CACHE_FILE]
    with open(folder / CACHE_FILE, "rb") as handle:
        store = pickle.load(handle)
    # six files, five contents: the two empty __init__.py files share one entry
    assert isinstance(store, dict) and len(store) == 5
    warm = subprocess.run(command, cwd=small, env=env, capture_output=True, text=True, timeout=60)
    assert (warm.returncode, warm.stderr) == (1, "")
    assert findings(warm.stdout) == SMALL_FINDINGS


def big_tree(root: Path, modules: int = 60) -> list[tuple[str, int, str]]:
    """``modules`` ops modules; every third one logs, the others miss one or two calls."""
    files = {"pyproject.toml": "", "torchvision/ops/__init__.py": ""}
    expected = []
    for i in range(modules):
        rel = f"torchvision/ops/op{i:02d}.py"
        if i % 3 == 0:
            files[rel] = f'''
                import torch

                from ..utils import _log_api_usage_once


                def op{i}(x):
                    """Operator {i}."""
                    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                        _log_api_usage_once(op{i})
                    return x
            '''
        elif i % 3 == 1:
            files[rel] = f"""
                def op{i}(x):
                    return x
            """
            expected.append(("TVU102", 1, rel))
        else:
            files[rel] = f"""
                import torch


                def op{i}(x):
                    return torch.relu(x)


                def op{i}_inplace(x):
                    return x.relu_()
            """
            expected += [("TVU102", 4, rel), ("TVU102", 8, rel)]
    write_tree(root, files)
    return expected


def test_jobs_give_the_same_findings(tmp_path, monkeypatch):
    expected = big_tree(tmp_path)
    pools: list[int] = []
    real_pool = parallel.ProcessPoolExecutor

    def counting_pool(*args, **kwargs):
        pools.append(kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting_pool)
    one = check(tmp_path, monkeypatch, "--no-cache", "--jobs", "1")
    assert pools == []
    two = check(tmp_path, monkeypatch, "--no-cache", "--jobs", "2")
    assert pools == [1]  # the tree is large enough: this process and one worker parse
    assert (one.exit_code, two.exit_code) == (1, 1)
    assert findings(one.stdout) == expected
    assert two.stdout == one.stdout
    # facts made by workers are cached like any others
    cold = check(tmp_path, monkeypatch, "--jobs", "2")
    warm = check(tmp_path, monkeypatch, "--jobs", "2")
    assert pools == [1, 1]  # the cold run used workers, the warm one did not
    assert cold.stdout == warm.stdout == one.stdout


def test_paths_into_one_tree_share_one_cache_without_pyproject(tmp_path: Path) -> None:
    from tvusage_lint.cache import project_root

    pkg = tmp_path / "src" / "torchvision"
    (pkg / "ops").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "__init__.py").write_text("")
    (pkg / "ops" / "boxes.py").write_text("")
    root = tmp_path / "src"
    assert project_root(pkg) == root
    assert project_root(pkg / "ops" / "boxes.py") == root
    assert project_root(pkg / "ops") == root


def test_the_store_name_changes_with_the_fact_extractors(monkeypatch, tmp_path) -> None:
    from tvusage_lint import cache

    name = cache.cache_file_name()
    assert name.startswith(f"facts-{__version__}-") and name.endswith(".pickle")
    fake = tmp_path / "python"
    fake.mkdir()
    (fake / "facts.py").write_text("# another extractor\n")
    monkeypatch.setattr(cache, "__file__", str(tmp_path / "cache.py"))
    assert cache.cache_file_name() != name


def test_layer_scan_only_when_a_layer_rule_is_selected(tmp_path, monkeypatch) -> None:
    from tvusage_lint.python import layers

    write_tree(
        tmp_path,
        {
            "torchvision/models/net.py": """
                from torch import nn

                def make():
                    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
            """
        },
    )
    calls = []
    real = layers.scan
    monkeypatch.setattr(layers, "scan", lambda *a: calls.append(1) or real(*a))
    plain = check(tmp_path, monkeypatch)
    assert calls == []
    assert "TVU401" not in plain.stdout
    selected = check(tmp_path, monkeypatch, "--extend-select", "TVU401")
    scanned = len(calls)
    assert scanned == 4  # every file again: the cached facts without the scan are not reused
    codes = [(f["code"], f["path"], f["line"]) for f in json.loads(selected.stdout)]
    assert ("TVU401", "torchvision/models/net.py", 4) in codes
    again = check(tmp_path, monkeypatch, "--extend-select", "TVU401")
    assert len(calls) == scanned and again.stdout == selected.stdout
