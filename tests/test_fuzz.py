"""Fuzzing with mutated real code (fixtures and vendored torchvision excerpts).

Every mutated file, Python or C++, must give findings and never an exception
or an "internal error"; a file the tool cannot parse is never written; a fix
re-parses, changes logging and nothing else, keeps CRLF and a BOM, and a
second ``--fix`` changes nothing. Profiles: see tests/fuzzing.py.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given

from tests import fuzzing
from tvusage_lint.core.config import Settings, with_cli
from tvusage_lint.engine import Engine, Result
from tvusage_lint.files.cache import Cache
from tvusage_lint.fix import verify
from tvusage_lint.fix.apply import fix_until_stable

PY_FILES = fuzzing.sources((".py",))
CPP_FILES = fuzzing.sources(fuzzing.CPP_SUFFIXES)
SETTINGS = with_cli(Settings(), extend_select=["ALL"])


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


class Trees:
    """Copies of the source trees, restored to their original bytes after each example.

    One in-memory cache serves every example: files that were not mutated are
    read from it, so an example costs the parse of the mutated file only.
    """

    def __init__(self, base: Path) -> None:
        self.roots: dict[Path, Path] = {}
        self.original: dict[Path, bytes] = {}
        for n, tree in enumerate(fuzzing.TREES):
            root = fuzzing.copy_tree(tree, base / f"tree{n}")
            self.roots[tree] = root
            for path in root.rglob("*"):
                if path.is_file():
                    self.original[path] = path.read_bytes()
        self.cache = Cache(base / "cache")

    def restore(self) -> None:
        for path, data in self.original.items():
            if path.read_bytes() != data:
                path.write_bytes(data)
        for root in self.roots.values():
            for path in root.rglob("*"):
                if path.is_file() and path not in self.original:
                    path.unlink()  # a temporary file left behind would be a bug of its own

    def engine(self) -> Engine:
        return Engine(SETTINGS, cache=self.cache)


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    return Trees(tmp_path_factory.mktemp("fuzz"))


def _internal_errors(result: Result) -> list[str]:
    return [
        f"{f.path}:{f.line}: {f.message}" for f in result.findings if "internal error" in f.message
    ]


def _decode(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def check_properties(trees: Trees, tree: Path, rel: str, mutated: bytes) -> None:
    root = trees.roots[tree]
    target = root / rel
    try:
        target.write_bytes(mutated)
        with _cwd(root):
            result = trees.engine().run([str(target)])
            assert _internal_errors(result) == []
            broken = [f for f in result.findings if f.code == "TVU001" and f.path == rel]
            fixed_result, _ = fix_until_stable(trees.engine(), [str(target)], unsafe=True)
            assert _internal_errors(fixed_result) == []
        after = target.read_bytes()
        if broken:
            assert after == mutated, f"{rel} has TVU001 and was written"
            return
        if after == mutated:
            return
        assert [f for f in fixed_result.findings if f.code == "TVU001" and f.path == rel] == []
        assert after.startswith(b"\xef\xbb\xbf") == mutated.startswith(b"\xef\xbb\xbf")
        if b"\n" in mutated and mutated.count(b"\r\n") == mutated.count(b"\n"):
            assert after.count(b"\r\n") == after.count(b"\n"), "CRLF was not kept"
        if target.suffix == ".py":
            old, new = _decode(mutated), _decode(after)
            ast.parse(new)
            assert verify.check(old, new) == ""
        with _cwd(root):
            fix_until_stable(trees.engine(), [str(target)], unsafe=True)
        assert target.read_bytes() == after, "a second --fix changed the file"
    finally:
        trees.restore()


@given(
    source=fuzzing.st.sampled_from(PY_FILES),
    steps=fuzzing.mutations(fuzzing.PYTHON),
)
def test_mutated_python(trees: Trees, source: tuple[Path, str], steps: list) -> None:
    tree, rel = source
    data = (tree / rel).read_bytes()
    check_properties(trees, tree, rel, fuzzing.apply(data, steps))


@given(
    source=fuzzing.st.sampled_from(CPP_FILES),
    steps=fuzzing.mutations(fuzzing.CPP),
)
def test_mutated_cpp(trees: Trees, source: tuple[Path, str], steps: list) -> None:
    tree, rel = source
    data = (tree / rel).read_bytes()
    check_properties(trees, tree, rel, fuzzing.apply(data, steps))


@given(
    source=fuzzing.st.sampled_from(PY_FILES + CPP_FILES),
    steps=fuzzing.stripped_then(fuzzing.GENTLE),
)
def test_stripped_and_gently_mutated_files_are_fixed_safely(
    trees: Trees, source: tuple[Path, str], steps: list
) -> None:
    tree, rel = source
    data = (tree / rel).read_bytes()
    check_properties(trees, tree, rel, fuzzing.apply(data, steps))
