"""``--diff-base``: what is new compared with the merge base of a ref and HEAD.

Both trees go through the same engine and settings (the base from git objects,
see ``gitbase``; the content-keyed cache makes its unchanged files free).
Findings are matched by rule + symbol, counted as a multiset, never by changed
lines: a violation caused elsewhere (a function made public by a package's
``__init__``) is new even where no line of it changed, and old debt in a
touched file is not. Renamed files carry their module's symbols over.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from pathlib import Path

from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine, Result
from tvusage_lint.gate.gitbase import Base, GitError

# Names of files the base export needs: Python sources; C++ ones come from the settings.
PYTHON_PATTERNS = ("*.py",)


def patterns(engine: Engine) -> tuple[str, ...]:
    return PYTHON_PATTERNS + tuple(engine.settings.cpp_include)


def run_base(engine: Engine, paths: list[str], cwd: Path, base: Base) -> tuple[Result, Path]:
    """The same analysis on the exported base; returns it and the cwd it ran from."""
    targets: list[str] = []
    for raw in paths:
        absolute = Path(os.path.normpath(cwd / raw))
        try:
            rel = absolute.resolve().relative_to(base.top)
        except ValueError:
            raise GitError(f"{raw}: outside the repository {base.top}") from None
        candidate = base.root / rel
        if candidate.exists():
            targets.append(str(candidate))
    try:
        base_cwd = base.root / cwd.resolve().relative_to(base.top)
        base_cwd.mkdir(parents=True, exist_ok=True)
    except ValueError:
        base_cwd = base.root
    if not targets:
        return Result(), base_cwd  # nothing of it existed: everything is new
    other = copy.copy(engine)  # same settings, cache and jobs; no progress bar for the base
    other.progress = None
    return other.run(targets, cwd=base_cwd), base_cwd


def _rel(display: str, cwd: Path, root: Path) -> str:
    absolute = Path(os.path.normpath(cwd / display))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def head_display(display: str, base_cwd: Path, base: Base, cwd: Path) -> str:
    """A path of the base tree as the same file of the checkout would be shown."""
    rel = _rel(display, base_cwd, base.root)
    absolute = base.top / rel
    try:
        return absolute.relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def module_renames(base: Base, old: Result, head: Result) -> dict[str, str]:
    """Old module name → new, for every renamed Python file."""
    old_modules = {
        _rel(str(s.path), base.root, base.root): s.module for s in old.sources.values() if s.module
    }
    new_modules = {
        _rel(str(s.path), base.top, base.top): s.module for s in head.sources.values() if s.module
    }
    out: dict[str, str] = {}
    for before, after in base.renames.items():
        a, b = old_modules.get(before), new_modules.get(after)
        if a and b and a != b:
            out[a] = b
    return out


def rename_symbol(symbol: str, modules: dict[str, str]) -> str:
    best = ""
    for old in modules:
        if (symbol == old or symbol.startswith(old + ".")) and len(old) > len(best):
            best = old
    return modules[best] + symbol[len(best) :] if best else symbol


Key = tuple[str, str, str]  # (code, symbol, repo path for findings without a symbol)


def compare(
    head: Result, old: Result, base: Base, *, cwd: Path, base_cwd: Path
) -> tuple[list[Finding], int]:
    """Head findings that are new (multiset by rule + symbol), and how many were not."""
    modules = module_renames(base, old, head)
    counts: Counter[Key] = Counter()
    for f in old.findings:
        if f.symbol:
            counts[(f.code, rename_symbol(f.symbol, modules), "")] += 1
        else:
            path = _rel(f.path, base_cwd, base.root)
            counts[(f.code, "", base.renames.get(path, path))] += 1
    new: list[Finding] = []
    known = 0
    for f in head.findings:
        k: Key = (f.code, f.symbol, "" if f.symbol else _rel(f.path, cwd.resolve(), base.top))
        if counts[k] > 0:
            counts[k] -= 1
            known += 1
        else:
            new.append(f)
    return new, known
