"""Are ``check``, ``coverage`` and ``events`` byte-identical at two commits?

    python benchmarks/compare_commits.py BASE NEW --tree benchmarks/.work/torchvision-0.29.2/torchvision \
        --tree /path/to/vision-0.17/torchvision

For a refactoring that must not change behaviour (a new layout, a faster resolver): each
commit is exported with ``git archive`` into a temporary folder and run from there with
this interpreter (``python -m tvusage_lint``, the commit's own code first on
``sys.path``; the dependencies are this environment's), with ``--no-cache`` and the same
working directory, so the paths in the output are the same. Every tree is copied once to a
temporary folder with a bare ``pyproject.toml``, so a configuration around it does not
count. ``--all-rules`` adds ``check --select ALL --strict`` and the fixes' ``--diff`` (the
opt-in rules and every fix). Prints one line per (tree, command): ``same`` or ``DIFFERS`` with the first line
that differs, and exits 1 when anything differs. ``NEW`` may be ``WORKTREE``: the working
tree as it is, uncommitted changes included.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (
    ("check", ["check", "--format", "json", "--exit-zero"]),
    ("coverage", ["coverage", "--format", "json"]),
    ("events", ["events", "--format", "json"]),
)
# --all-rules: every rule (the opt-in TVU208 and TVU4xx too), strict, and the fixes' diff
ALL_RULES = (
    (
        "check, every rule, strict",
        ["check", "--format", "json", "--exit-zero", "--select", "ALL", "--strict"],
    ),
    (
        "check --diff, every rule, unsafe fixes",
        ["check", "--format", "json", "--exit-zero", "--select", "ALL", "--diff", "--unsafe-fixes"],
    ),
)


def export(rev: str, dest: Path) -> Path:
    """The package of ``rev`` (or the working tree) under ``dest``."""
    dest.mkdir(parents=True)
    if rev == "WORKTREE":
        shutil.copytree(ROOT / "tvusage_lint", dest / "tvusage_lint")
        if (ROOT / "rules").is_dir():
            shutil.copytree(ROOT / "rules", dest / "rules")
        return dest
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "tvusage_lint", "rules"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run(code: Path, args: list[str], cwd: Path, cache: Path) -> bytes:
    env = dict(os.environ, PYTHONPATH=str(code), TVUSAGE_LINT_CACHE_DIR=str(cache))
    done = subprocess.run(
        [sys.executable, "-m", "tvusage_lint", *args, "--no-cache", "target"],
        cwd=cwd,
        env=env,
        capture_output=True,
    )
    if done.returncode not in (0, 1):
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"{' '.join(args)} failed in {code}: {tail}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("new", help="a commit, or WORKTREE for the working tree")
    parser.add_argument("--tree", action="append", required=True, help="a torchvision/ folder")
    parser.add_argument(
        "--all-rules",
        action="store_true",
        help="also compare check with every rule and --strict, and the fixes' --diff",
    )
    opts = parser.parse_args()
    differs = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            codes = {
                rev: export(rev, work / f"code{i}") for i, rev in enumerate((opts.base, opts.new))
            }
        except subprocess.CalledProcessError as exc:
            raise SystemExit(f"cannot export a commit: {exc}") from None
        for t, tree in enumerate(opts.tree):
            src = Path(tree).resolve()
            if not src.is_dir():
                raise SystemExit(f"no such tree: {tree}")
            cwd = work / f"tree{t}"
            shutil.copytree(src, cwd / "target" / src.name, symlinks=True)
            (cwd / "target" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
            for name, args in COMMANDS + (ALL_RULES if opts.all_rules else ()):
                outputs = [
                    run(codes[rev], [*args], cwd, work / f"cache{i}")
                    for i, rev in enumerate((opts.base, opts.new))
                ]
                if outputs[0] == outputs[1]:
                    print(f"{tree}: {name}: same ({len(outputs[0])} bytes)")
                    continue
                differs += 1
                old, new = (o.decode(errors="replace").splitlines() for o in outputs)
                first = next(
                    (
                        line
                        for line in difflib.unified_diff(old, new, lineterm="", n=0)
                        if line[:1] in "+-" and line[:3] not in ("+++", "---")
                    ),
                    "(same lines, other bytes)",
                )
                print(f"{tree}: {name}: DIFFERS: {first[:200]}")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
