"""The server's incremental runs give what a fresh ``check`` gives, after any edits.

A seeded random sequence of buffer edits, changes on disk, deletions, creations and
renames on the seeded fixture tree (Python and C++); after each step the findings of
every open document equal those of a fresh engine run over the same text.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from tests.helpers import write_tree
from tvusage_lint.core import config
from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine
from tvusage_lint.frontends.server.projects import Projects, findings_by_path
from tvusage_lint.python.facts import HELPER

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
STEPS = 24


class _Facts:
    """A plain facts cache shared by the fresh runs: facts are keyed by content, so it
    changes no finding, only the time the comparison takes."""

    def __init__(self) -> None:
        self.entries: dict[str, object] = {}

    def get(self, key: str) -> object | None:
        return self.entries.get(key)

    def put(self, key: str, value: object) -> None:
        self.entries[key] = value


def _drop_call(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    calls = [i for i, line in enumerate(lines) if f"{HELPER}(" in line and "import" not in line]
    if not calls:
        return text + "\n"
    i = rng.choice(calls)
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}pass\n"
    return "".join(lines)


def _mutate(text: str, original: str, rng: random.Random, n: int) -> str:
    """One edit as a user makes them: most keep the module's shape, some do not."""
    kind = rng.choice(["drop", "drop", "drop", "shift", "restore", "define", "break", "super"])
    if kind == "drop":
        return _drop_call(text, rng)
    if kind == "shift":
        return "# a comment\n\n" + text
    if kind == "restore":
        return original
    if kind == "define":
        return text + f"\n\ndef added_{n}(x):\n    return x\n"
    if kind == "break":
        return text + "\ndef broken(:\n"
    return text.replace("super().__init__(", "object.__init__(self, ", 1)


def _codes(findings: list[Finding]) -> list[tuple[dict[str, object], object]]:
    """A finding as ``--format json`` shows it, and its fix (where a fix goes, in a base
    ``__init__`` the placement chose or its own, is part of what must not drift)."""
    return [(f.to_json(), f.fix) for f in findings]


@pytest.mark.parametrize("trust", [False, True], ids=["stat", "events"])
@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_runs_equal_a_fresh_check_after_random_edits(
    tmp_path: Path, seed: int, trust: bool
) -> None:
    """``events``: files on disk are not stat'ed, each change is reported as a client
    with watched files reports it (``Project.file_changed``)."""
    rng = random.Random(seed)
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES, root)
    (root / "pyproject.toml").write_text(
        "[tool.tvusage-lint]\nselect = ['ALL']\n", encoding="utf-8"
    )
    package = root / "torchvision"
    python = sorted(p for p in package.rglob("*.py"))
    modules = [p for p in python if p.name != "__init__.py"]
    opened = rng.sample(modules, len(modules) * 2 // 3)
    opened.append(next(p for p in sorted(package.rglob("*.cpp"))))
    originals = {p: p.read_text(encoding="utf-8") for p in python}
    buffers = {p: p.read_text(encoding="utf-8") for p in opened}
    project = Projects(use_disk_cache=False).for_file(opened[0])
    project.trust_events = trust
    settings = config.load(root / "pyproject.toml")
    facts = _Facts()
    kinds: list[str] = []
    clock = 1_000_000_000

    for step in range(STEPS):
        on_disk = sorted(
            p for p in package.rglob("*.py") if p not in buffers and p.name != "__init__.py"
        )
        kinds_now = ["edit", "edit", "edit", "edit"]
        kinds_now += ["disk", "create"] if on_disk else []
        kinds_now += ["delete", "rename"] if on_disk else []
        kind = rng.choice(kinds_now)
        if kind == "edit":
            path = rng.choice([p for p in buffers if p.suffix == ".py"])
            buffers[path] = _mutate(buffers[path], originals[path], rng, step)
        elif kind == "disk":
            path = rng.choice(on_disk)
            path.write_text(_mutate(path.read_text(), originals.get(path, ""), rng, step))
            clock += 1_000_000
            os.utime(path, ns=(clock, clock))  # a new modification time, whatever the clock
            project.file_changed(path)
        elif kind == "delete":
            gone = rng.choice(on_disk)
            gone.unlink()
            project.file_changed(gone)
            project.files_changed()
        elif kind == "create":
            source = rng.choice(on_disk)
            (source.parent / f"made_{step}.py").write_text(source.read_text())
            project.file_changed(source.parent / f"made_{step}.py")
            project.files_changed()
        else:
            source = rng.choice(on_disk)
            source.rename(source.parent / f"renamed_{step}.py")
            project.file_changed(source)
            project.file_changed(source.parent / f"renamed_{step}.py")
            project.files_changed()
        kinds.append(kind)

        paths = [p for p in buffers if p.is_file()]
        overlay = {p: buffers[p].encode("utf-8") for p in paths}
        got = findings_by_path(project.check(paths, overlay), project.root)
        fresh = Engine(settings, cache=facts, overlay=overlay).run(
            [str(p) for p in sorted(paths)], cwd=root
        )
        expected = findings_by_path(fresh, root)
        assert {str(p): _codes(f) for p, f in got.items()} == {
            str(p): _codes(f) for p, f in expected.items()
        }, f"step {step} ({kind}) of seed {seed}: {kinds}"
    assert project.memory.partial_runs >= 5  # the incremental path was taken, not only full runs


BASE = """
    from torch import nn

    from ..utils import _log_api_usage_once


    class _Base(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            _log_api_usage_once(self)
"""

NET = """
    from ._base import _Base

    __all__ = ["Net"]


    class Net(_Base):
        pass
"""


@pytest.mark.parametrize(
    "edited",
    [
        "torchvision/transforms/v2/_transform.py",  # a logging base: its subclasses move
        "torchvision/models/resnet.py",  # a main class with a subclass in quantization/
        "torchvision/datasets/vision.py",  # the dataset root
        "torchvision/ops/misc.py",
        "torchvision/models/_base.py",  # not an entry point: Net inherits its call
    ],
)
def test_dropping_a_base_call_updates_the_unedited_subclasses(tmp_path: Path, edited: str) -> None:
    """The logging call of a base taken out, then put back: the open modules whose
    classes inherit it get what a fresh check gives, though their text did not change."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES, root)
    (root / "pyproject.toml").write_text("[tool.tvusage-lint]\n", encoding="utf-8")
    write_tree(root, {"torchvision/models/_base.py": BASE, "torchvision/models/net.py": NET})
    package = root / "torchvision"
    paths = sorted(p for p in package.rglob("*.py"))
    project = Projects(use_disk_cache=False).for_file(paths[0])
    settings = config.load(root / "pyproject.toml")
    original = (root / edited).read_text()
    dropped = original
    for _ in range(original.count(f"{HELPER}(self)")):
        dropped = _drop_call(dropped, random.Random(0))
    seen: set[str] = set()
    # then, the call still out, a line added at the top of each other module of the
    # subpackage in turn: positions move, statuses do not (the passes' results are kept)
    others = [p for p in paths if p.parent == (root / edited).parent and p != root / edited]
    steps = [{edited: original}, {edited: dropped}]
    steps += [{edited: dropped, str(o.relative_to(root)): "\n" + o.read_text()} for o in others]
    steps.append({edited: original})
    for texts in steps:
        overlay = {p: p.read_bytes() for p in paths}
        overlay.update({root / rel: text.encode() for rel, text in texts.items()})
        got = findings_by_path(project.check(paths, overlay), project.root)
        fresh = Engine(settings, overlay=overlay).run([str(p) for p in paths], cwd=root)
        expected = findings_by_path(fresh, root)
        assert {str(p): _codes(f) for p, f in got.items()} == {
            str(p): _codes(f) for p, f in expected.items()
        }, texts.keys()
        seen.add(repr(sorted((str(p), _codes(f)) for p, f in expected.items())))
    assert len(seen) >= 2  # the edit changed the findings
    assert project.memory.partial_runs == len(steps) - 1


@pytest.mark.parametrize("trust", [False, True], ids=["stat", "events"])
def test_a_base_changed_on_disk_is_read_again(tmp_path: Path, trust: bool) -> None:
    """Only ``net.py`` is open; its base's file loses its call on disk. Without file
    events the size and time stamp tell; with them (``trust_events``), the event does."""
    write_tree(tmp_path, {"torchvision/models/_base.py": BASE, "torchvision/models/net.py": NET})
    base = tmp_path / "torchvision/models/_base.py"
    net = tmp_path / "torchvision/models/net.py"
    project = Projects(use_disk_cache=False).for_file(net)
    project.trust_events = trust

    def codes() -> list[tuple[str, str]]:
        result = project.check([net], {net: net.read_bytes()})
        return [(f.code, f.symbol) for f in result.findings]

    assert codes() == []
    stat = base.stat()
    base.write_text(base.read_text().replace("_log_api_usage_once(self)", "pass"))
    os.utime(base, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    project.file_changed(base)
    assert codes() == [("TVU101", "torchvision.models.net.Net")]
