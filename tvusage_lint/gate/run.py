"""The CI gate around one ``check`` run: baseline and ``--diff-base`` filtering.

Errors are ``UsageError`` subclasses (one line, exit 2); the CLI prints them.
"""

from __future__ import annotations

import os
from pathlib import Path

from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine, Result
from tvusage_lint.gate import baseline as bl
from tvusage_lint.gate.gitbase import BaseTree
from tvusage_lint.output.events import Catalogue, EventDiff


def write_baseline(file: Path, findings: list[Finding]) -> str:
    count = bl.write(file, findings, Path.cwd())
    return (
        f"Wrote {count} baseline entr{'ies' if count != 1 else 'y'} "
        f"({len(findings)} finding{'s' if len(findings) != 1 else ''}) to {file}."
    )


def _checked(result: Result, cwd: Path, folder: Path) -> set[str]:
    paths = {d for d, source in result.sources.items() if source.report}
    paths.update(f.path for f in result.findings)
    return {bl.relative(p, cwd, folder) for p in paths}


def apply_baseline(
    file: Path, result: Result, selected: frozenset[str]
) -> tuple[list[Finding], list[str]]:
    """Findings the baseline does not accept, and one message per stale entry."""
    counts = bl.load(file)
    cwd = Path.cwd()
    folder = file.resolve().parent
    kept, stale = bl.apply(
        result.findings,
        counts,
        cwd=cwd,
        folder=folder,
        checked=_checked(result, cwd, folder),
        selected=selected,
    )
    return kept, [s.message(str(file)) for s in stale]


def start_base(engine: Engine, paths: list[str], ref: str) -> BaseTree:
    """Resolve the merge base now (a bad ref fails before any analysis) and let git
    export it while the checkout is analysed; close it (or use it as a context manager)."""
    from tvusage_lint.gate import diffbase

    cwd = Path.cwd()
    absolute = [Path(os.path.normpath(cwd / p)) for p in paths]
    return BaseTree(absolute, ref, diffbase.patterns(engine))


def only_new(
    engine: Engine, paths: list[str], tree: BaseTree, result: Result, findings: list[Finding]
) -> tuple[list[Finding], str]:
    """``findings`` (already filtered by a baseline) that are new since the merge base."""
    from tvusage_lint.gate import diffbase

    cwd = Path.cwd()
    base = tree.wait()
    old, base_cwd = diffbase.run_base(engine, paths, cwd, base)
    new, known = diffbase.compare(result, old, base, cwd=cwd, base_cwd=base_cwd)
    fresh = {id(f) for f in new}
    kept = [f for f in findings if id(f) in fresh]
    note = (
        f"{known} finding{'s' if known != 1 else ''} already at the merge base "
        f"{base.commit[:12]} of {base.ref} and HEAD not shown"
    )
    return kept, note


def event_changes(engine: Engine, paths: list[str], tree: BaseTree, head: Catalogue) -> EventDiff:
    """Events added, removed and renamed since the merge base (``events --diff-base``)."""
    from dataclasses import replace

    from tvusage_lint.gate import diffbase
    from tvusage_lint.output import events as ev

    cwd = Path.cwd()
    base = tree.wait()
    old, base_cwd = diffbase.run_base(engine, paths, cwd, base)
    before = ev.catalogue(old.entries, old.index, old.cpp)

    def shown(path: str) -> str:
        return diffbase.head_display(path, base_cwd, base, cwd) if path else ""

    moved = tuple(
        replace(
            e,
            path=shown(e.path),
            call_path=shown(e.call_path),
            calls=tuple(f"{shown(c.rpartition(':')[0])}:{c.rpartition(':')[2]}" for c in e.calls),
        )
        for e in before.events
    )
    return ev.diff(ev.Catalogue(moved, before.duplicates), head, base.commit)
