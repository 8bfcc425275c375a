"""Random module graphs (tests/structure_strategy.py): a run always finishes, the index
resolves every (module, name) as the reference fixpoint does, and neither the order of
the files nor the order of the questions changes an answer or a finding.

A run is bounded by construction; the alarm below only turns a regression into a
failure instead of a hung test run. Profiles: see tests/fuzzing.py.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests import fuzzing  # noqa: F401 - loads the hypothesis profile
from tests import structure_strategy as structures
from tvusage_lint.core.config import Settings
from tvusage_lint.engine import Engine, Result
from tvusage_lint.files import discovery
from tvusage_lint.python.index import _CYCLE, Index

BUDGET = 30  # seconds for one tree; a tree takes milliseconds


@contextmanager
def budget(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"a run on this tree took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def write(root: Path, tree: structures.Tree) -> Path:
    for rel, text in tree.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for link, target in tree.links.items():
        os.symlink(os.path.relpath(root / target, (root / link).parent), root / link)
    return root


def run(root: Path, shuffle: random.Random | None = None) -> Result:
    """A check of ``root``, its files indexed in discovery's order or a shuffled one."""

    def shuffled(*args: object, **kwargs: object) -> discovery.Discovery:
        found = discovery.discover(*args, **kwargs)  # type: ignore[arg-type]
        assert shuffle is not None
        shuffle.shuffle(found.python)
        return found

    with mock.patch("tvusage_lint.engine.discover", shuffled if shuffle else discovery.discover):
        return Engine(Settings()).run([str(root / "torchvision")], cwd=root)


def answers(result: Result, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    index = result.index
    assert index is not None
    return {p: index._lookup(index.modules[p[0]], p[1]) for p in pairs}


def seen(result: Result) -> tuple[list[tuple[object, ...]], list[str]]:
    findings = sorted(
        (f.path, f.line, f.column, f.code, f.symbol, f.message, repr(f.fix))
        for f in result.findings
    )
    return findings, sorted(repr(e) for e in result.entries)


def reachable_outside(index: Index, qualified: str) -> frozenset[str]:
    """The reference for ``external_ancestors``: every non-project class reachable through
    bases, by a plain search with a visited set."""
    out, seen_, todo = set(), set(), [qualified]
    while todo:
        name = todo.pop()
        if name in seen_:
            continue
        seen_.add(name)
        found = index.class_fact(name)
        if found is None:
            out.add(name)
        else:
            todo.extend(index.bases(*found))
    return frozenset(out)


counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("structures")


# at least 500 examples whatever the profile says (issue 17); a generous deadline per tree
@settings(deadline=timedelta(seconds=10), max_examples=max(500, settings().max_examples))
@given(tree=structures.trees(), shuffle=st.randoms(use_true_random=False))
def test_random_module_graphs_resolve_as_the_reference_in_any_order(
    workdir: Path, tree: structures.Tree, shuffle: random.Random
) -> None:
    root = write(workdir / str(next(counter)), tree)
    with budget(BUDGET):
        first = run(root)
        again = run(root, shuffle)
    assert first.index is not None and again.index is not None
    assert sorted(first.index.modules) == sorted(again.index.modules)
    pairs = structures.all_pairs(first.index)
    expected = structures.Reference(first.index).solve(pairs)
    assert answers(first, pairs) == expected
    asked = list(pairs)
    shuffle.shuffle(asked)
    again.index._found.clear()
    assert answers(again, asked) == expected  # another order of questions, files
    assert seen(again) == seen(first)
    classes = [f"{m.name}.{c.name}" for m in first.index.modules.values() for c in m.facts.classes]
    expected_bases = {q: reachable_outside(first.index, q) for q in classes}
    shuffle.shuffle(classes)
    again.index.__dict__.pop("_external_cache", None)
    assert {q: again.index.external_ancestors(q) for q in classes} == expected_bases
    # what the examples covered (``--hypothesis-show-statistics``)
    event(f"links: {len(tree.links)}")
    event(f"package beside a module: {any(p.endswith('/inner.py') for p in tree.files)}")
    cycles = sum(1 for v in first.index._found.values() if v == _CYCLE)
    event(f"pairs in a cycle: {'0' if not cycles else '1-9' if cycles < 10 else '10+'}")
    event(f"findings: {'0' if not first.findings else '1+'}")
