"""Module graphs that used to make name resolution explode, timed against a plain tree
of the same size (SPEC §6: bounded time on every input).

    python benchmarks/pathological.py [--repeat 3] [--keep DIR]

Cases, each a ``torchvision/ops/web`` package of N modules that define one guarded,
logging function and one logging ``nn.Module`` class apiece (about one in ten misses
its call, so the rules have work), and whose ``__init__.py`` star-imports the first 50:

- ``stars``: 2,000 modules, each star-importing 50 others chosen at random (seeded):
  a web of cycles in which every public name is a candidate in every module;
- ``dag``: the same, but each imports 50 modules of lower number (no cycle: the names
  resolve, through long star paths);
- ``chain``: 1,000 modules, module i re-exports ``x`` from module i-1 (``from .m0998
  import x``) and the package re-exports it from the last: a chain of 1,000 re-exports.

and for each, ``plain``: the same modules whose imports name a package outside the tree
(``from elsewhere.m0123 import *``): the same parsing, nothing to resolve. Each is a fresh
``check --no-cache`` process (default job count), wall clock; the medians of
``--repeat`` runs, interleaved so load elsewhere on the machine hits both alike, and
their ratio. Not part of the test run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARS = 50
HELPER = """\
import torch


def _log_api_usage_once(obj) -> None:
    torch._C._log_api_usage_once(f"{obj.__module__}.{obj.__class__.__name__}")
"""
MODULE = '''\
import torch
from torch import nn

from ...utils import _log_api_usage_once
{imports}

def f_{n}(x):
    """Do f number {n}."""
    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
        {log}(f_{n})
    return x + {n}


class C{n}(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        {log}(self)

    def forward(self, x):
        return f_{n}(x)
'''


def name(i: int) -> str:
    return f"m{i:04d}"


def write(root: Path, count: int, imports: list[list[str]], init: str) -> Path:
    rng = random.Random(count)
    web = root / "torchvision/ops/web"
    web.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    (root / "torchvision/__init__.py").write_text("")
    (root / "torchvision/ops/__init__.py").write_text("")
    (root / "torchvision/utils.py").write_text(HELPER)
    (web / "__init__.py").write_text(init)
    for i in range(count):
        log = "pass  #" if rng.random() < 0.1 else "_log_api_usage_once"
        text = MODULE.format(n=i, imports="".join(imports[i]), log=log)
        (web / f"{name(i)}.py").write_text(text)
    return root


def cases(count_web: int, count_chain: int) -> dict[str, tuple[int, list[list[str]], str]]:
    rng = random.Random(7)
    head = "".join(f"from .{name(i)} import *\n" for i in range(STARS))
    stars = [
        [
            f"from .{name(j)} import *\n"
            for j in rng.sample([k for k in range(count_web) if k != i], STARS)
        ]
        for i in range(count_web)
    ]
    dag = [
        [f"from .{name(j)} import *\n" for j in rng.sample(range(i), min(i, STARS))]
        for i in range(count_web)
    ]
    chain = [[]] + [[f"from .{name(i - 1)} import x\n"] for i in range(1, count_chain)]
    chain[0] = ["\n\ndef x(t):\n    return t\n"]
    last = f"from .{name(count_chain - 1)} import x\n\n__all__ = ['x']\n"
    return {
        "stars": (count_web, stars, head),
        "dag": (count_web, dag, head),
        "chain": (count_chain, chain, last),
    }


def timed(root: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "tvusage_lint", "check", "--no-cache", "torchvision"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - start
    if run.returncode not in (0, 1):
        raise SystemExit(f"{root}: exit {run.returncode}: {run.stderr.strip()}")
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return seconds, run.stdout.count(": TVU"), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modules", type=int, default=2000, help="modules of the star webs")
    parser.add_argument("--chain", type=int, default=1000, help="length of the chain")
    parser.add_argument("--only", default="", help="comma-separated cases (default: all)")
    parser.add_argument("--keep", type=Path, help="write the trees here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="tvusage-pathological-"))
    try:
        for case, (count, imports, init) in cases(args.modules, args.chain).items():
            if args.only and case not in args.only.split(","):
                continue
            bad = write(base / case, count, imports, init)
            outside = [[line.replace("from .", "from elsewhere.") for line in i] for i in imports]
            plain = write(base / f"{case}-plain", count, outside, init)
            times: dict[str, list[float]] = {"case": [], "plain": []}
            found = {}
            for _ in range(args.repeat):
                for label, root in (("case", bad), ("plain", plain)):
                    seconds, findings, _ = timed(root)
                    times[label].append(seconds)
                    found[label] = findings
            a, b = statistics.median(times["case"]), statistics.median(times["plain"])
            print(
                f"{case:6} {count:5} modules: {a:6.2f} s ({found['case']} findings)   "
                f"plain {b:6.2f} s ({found['plain']} findings)   ratio {a / b:.2f}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
