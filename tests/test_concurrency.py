"""Several ``tvusage-lint check`` processes at once on one tree, with the cache on.

CI runs pre-commit hooks and checks side by side on one checkout: they must
all report the same findings as a cache-less run, and leave a cache that the
next run loads without a warning and answers from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tvusage_lint", "check", "--exit-zero", "-q", *args]


def _together(cwd: Path, args: list[list[str]]) -> list[tuple[int, str, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(a, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for a in args
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        out.append((proc.returncode, stdout.decode(), stderr.decode()))
    return out


def test_concurrent_runs_agree_and_leave_a_cache_the_next_run_loads(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    shutil.copytree(ROOT / "fixtures", tree)
    (tree / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    [(rc, expected, err)] = _together(tree, [_cli("--no-cache", "torchvision")])
    assert (rc, err) == (0, "")
    assert expected.count("\n") > 10

    # cold: every run parses and writes the cache; two of them with workers
    cold = _together(tree, [_cli("-j", str(1 + n % 2), "torchvision") for n in range(RUNS)])
    assert cold == [(0, expected, "")] * RUNS

    # some files change while runs are going: new facts written at once, old ones read
    geometry = tree / "torchvision/transforms/v2/functional/_geometry.py"
    geometry.write_text(geometry.read_text().replace("    _log_api_usage_once(resize)\n", ""))
    changed = _together(tree, [_cli("--no-cache", "torchvision")])[0][1]
    assert changed != expected
    warm = _together(tree, [_cli("torchvision") for _ in range(RUNS)])
    assert warm == [(0, changed, "")] * RUNS

    # the cache left behind loads without a warning and gives the same answer
    assert _together(tree, [_cli("torchvision")]) == [(0, changed, "")]
    # no run left a temporary file in the tree (wherever the cache lives)
    assert sorted(p.name for p in tree.rglob(".*") if p.is_file()) in ([], [".gitignore"])
