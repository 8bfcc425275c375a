"""Time ``check --diff-base`` against a plain warm ``check`` (SPEC §6: at most one extra warm run).

    .venv/bin/python benchmarks/diff_base.py --tree benchmarks/.work/torchvision-0.29.2/torchvision

The tree is copied into a throwaway git repository (one commit on ``main``), then a
second commit on a branch adds one function to ``--touch`` (a module path under
the tree), as a pull request would. After one untimed round that primes the cache, each
round runs, interleaved: the plain warm check, ``check --diff-base main``, ``events``
and ``events --diff-base main``. Printed: median wall and CPU (user + sys of the child)
per command, and the median per-round extra of ``--diff-base`` in warm runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True)


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, type=Path, help="a torchvision package folder")
    parser.add_argument("--touch", default="ops/boxes.py", help="module that gains a function")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--tool", default=str(Path(sys.executable).parent / "tvusage-lint"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tvusage-bench-diffbase-"))
    try:
        repo = work / "repo"
        shutil.copytree(args.tree, repo / "torchvision")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        git(repo, "checkout", "-q", "-b", "pr")
        touched = repo / "torchvision" / args.touch
        with open(touched, "a", encoding="utf-8") as handle:
            handle.write("\n\ndef bench_added_function(x):\n    return x\n")
        git(repo, "commit", "-q", "-am", "add a function")
        git(repo, "gc", "-q")  # a fresh clone is packed
        tool = args.tool
        commands = {
            "check": [tool, "check", "torchvision"],
            "check --diff-base main": [tool, "check", "--diff-base", "main", "torchvision"],
            "events": [tool, "events", "torchvision"],
            "events --diff-base main": [tool, "events", "--diff-base", "main", "torchvision"],
        }
        for cmd in commands.values():
            timed(cmd, repo)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                runs[name].append(timed(cmd, repo))
        for name, values in runs.items():
            wall = statistics.median(v[0] for v in values)
            cpu = statistics.median(v[1] for v in values)
            print(
                f"{name:26s} wall median {wall:.3f} s (min {min(v[0] for v in values):.3f})  cpu {cpu:.3f} s"
            )
        for plain, gated in (
            ("check", "check --diff-base main"),
            ("events", "events --diff-base main"),
        ):
            extra = statistics.median(g[0] - p[0] for p, g in zip(runs[plain], runs[gated]))
            ratio = statistics.median(g[0] / p[0] for p, g in zip(runs[plain], runs[gated]))
            print(
                f"{gated}: extra {extra:+.3f} s per round (median), {ratio:.2f}x the plain warm run"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
