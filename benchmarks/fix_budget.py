"""What the fixer's bound costs: ``--fix`` of a stripped torchvision tree with and without it.

    python benchmarks/fix_budget.py --tree benchmarks/.work/torchvision-0.29.2/torchvision

Every logging call is taken out of a copy of the tree (tests/strip.py), then the copy is
fixed ``--rounds`` times with the bound (the depth guard plus each file's fix in a forked
child under ``FIX_SECONDS``) and without it (the fix in this process, unguarded),
alternating, and the median times and their ratio are printed. Also prints the deepest
expression in the tree against ``MAX_DEPTH``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.strip import strip_logging  # noqa: E402
from tvusage_lint.core.config import Settings  # noqa: E402
from tvusage_lint.engine import Engine  # noqa: E402
from tvusage_lint.fix import FixResult, wanted  # noqa: E402
from tvusage_lint.fix import python as fixer  # noqa: E402
from tvusage_lint.fix.apply import fix_until_stable  # noqa: E402

BOUNDED = fixer.fix_text


def unbounded(text: str, findings: list, *, unsafe: bool, module_name: str) -> FixResult:
    chosen = [f for f in findings if wanted(f, unsafe)]
    return fixer._fix_text(text, chosen, module_name) if chosen else FixResult(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="a torchvision/ package folder")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    source = Path(args.tree).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        stripped = Path(tmp) / "stripped" / source.name
        shutil.copytree(source, stripped, ignore=shutil.ignore_patterns("*.so", "*.pyc", "csrc"))
        deepest = 0
        for path in stripped.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            deepest = max(deepest, fixer.expression_depth(text))
            path.write_text(strip_logging(text), encoding="utf-8")
        times: dict[str, list[float]] = {"bounded": [], "unbounded": []}
        changed: dict[str, int] = {}
        for n in range(args.rounds):
            for mode, function in (("unbounded", unbounded), ("bounded", BOUNDED)):
                tree = Path(tmp) / f"{mode}{n}" / source.name
                shutil.copytree(stripped, tree)
                fixer.fix_text = function
                start = time.perf_counter()
                _, outcome = fix_until_stable(Engine(Settings()), [str(tree)], unsafe=False)
                times[mode].append(time.perf_counter() - start)
                changed[mode] = len(outcome.changed)
        fixer.fix_text = BOUNDED
    plain, bounded = (statistics.median(times[m]) for m in ("unbounded", "bounded"))
    print(
        f"tree: {source} (logging stripped); deepest expression {deepest} (limit {fixer.MAX_DEPTH})"
    )
    print(f"--fix unbounded: {plain:.2f} s median of {args.rounds} ({changed['unbounded']} files)")
    print(f"--fix bounded:   {bounded:.2f} s median of {args.rounds} ({changed['bounded']} files)")
    print(f"bounded / unbounded: {bounded / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
