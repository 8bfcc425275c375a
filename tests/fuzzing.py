"""Mutations of real code for the fuzz tests, and the hypothesis profiles they run under.

``TVUSAGE_FUZZ=long`` runs 4,000 examples per test (7.6 minutes for the three
tests of test_fuzz.py on 3.10, 2026-12-07; a new random seed each time); the default profile (600, the same examples every run) keeps the fuzz
tests within about a minute of the default test run. Both fail an example that takes
over a minute (a typical one takes a tenth of a second on a loaded 2-core machine), so
a stall shows as a red test naming its input. The tool bounds itself too: every
parser runs under a time budget (``tvusage_lint/files/budget.py``). Which examples the
derandomized profile draws depends on the hypothesis version (3.10 gets an older one
than 3.11+), so ``pyproject.toml`` bounds it to one major version.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
TREES = (ROOT / "fixtures", ROOT / "tests" / "data" / "torchvision_excerpt")
CPP_SUFFIXES = (".cpp", ".cu", ".h", ".mm")

settings.register_profile(
    "default",
    max_examples=600,
    deadline=timedelta(seconds=60),
    derandomize=True,  # the same examples on every run: a red test is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=4000,
    deadline=timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("long" if os.environ.get("TVUSAGE_FUZZ") == "long" else "default")


def sources(suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(tree, path relative to it) of every source file with one of ``suffixes``."""
    found = []
    for tree in TREES:
        for path in sorted(tree.rglob("*")):
            if path.suffix in suffixes and path.is_file():
                found.append((tree, path.relative_to(tree).as_posix()))
    return found


def copy_tree(tree: Path, into: Path) -> Path:
    shutil.copytree(tree, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return into


# --- mutations: (data, a, b) -> data; a and b are drawn integers that shrink towards 0 ---


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def truncate(data: bytes, a: int, b: int) -> bytes:
    return data[: a % (len(data) + 1)]


def delete_line(data: bytes, a: int, b: int) -> bytes:
    lines = _lines(data)
    del lines[a % len(lines)]
    return b"".join(lines)


def duplicate_line(data: bytes, a: int, b: int) -> bytes:
    lines = _lines(data)
    i = a % len(lines)
    lines.insert(i, lines[i])
    return b"".join(lines)


def flip_byte(data: bytes, a: int, b: int) -> bytes:
    if not data:
        return data
    i = a % len(data)
    return data[:i] + bytes([data[i] ^ (b % 255 + 1)]) + data[i + 1 :]


def nul_byte(data: bytes, a: int, b: int) -> bytes:
    i = a % (len(data) + 1)
    return data[:i] + b"\0" + data[i:]


def tabs(data: bytes, a: int, b: int) -> bytes:
    """Leading spaces of one line (or of every line, when ``b`` is odd) become tabs."""
    lines = _lines(data)
    chosen = range(len(lines)) if b % 2 else [a % len(lines)]
    for i in chosen:
        stripped = lines[i].lstrip(b" ")
        lines[i] = b"\t" * ((len(lines[i]) - len(stripped)) // 4) + stripped
    return b"".join(lines)


def mixed_indent(data: bytes, a: int, b: int) -> bytes:
    lines = _lines(data)
    i = a % len(lines)
    lines[i] = b" \t" + lines[i]
    return b"".join(lines)


def crlf(data: bytes, a: int, b: int) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def bom(data: bytes, a: int, b: int) -> bytes:
    return b"\xef\xbb\xbf" + data


def coding_cookie(data: bytes, a: int, b: int) -> bytes:
    """A coding cookie and bytes that are not UTF-8: declared right, declared wrong, or unknown."""
    cookie = (b"latin-1", b"utf-8", b"klingon", b"utf-16")[b % 4]
    lines = _lines(data)
    i = a % len(lines)
    lines.insert(i, b"# caf\xe9 \xff\n")
    return b"# -*- coding: " + cookie + b" -*-\n" + b"".join(lines)


def long_line(data: bytes, a: int, b: int) -> bytes:
    lines = _lines(data)
    i = a % len(lines)
    width = 50_000 + b % 200_000
    lines.insert(i, b"#" + b"x" * width + b"\n")
    lines.insert(i, b"_long = '" + b"y" * width + b"'\n")
    return b"".join(lines)


def deep_nesting(data: bytes, a: int, b: int) -> bytes:
    """Brackets, an operator chain or blocks nested up to thousands deep."""
    depth = 20 + b % 3000
    lines = _lines(data)
    i = a % (len(lines) + 1)
    kind = b % 3
    if kind == 0:
        line = b"_deep = " + b"(" * depth + b"1" + b")" * depth + b"\n"
    elif kind == 1:
        line = b"_deep = 1" + b" + 1" * (depth * 20) + b"\n"
    else:
        line = (
            b"".join(b"    " * k + b"if _x:\n" for k in range(depth % 120))
            + b"    " * (depth % 120)
            + b"pass\n"
        )
    lines.insert(i, line)
    return b"".join(lines)


def cpp_braces(data: bytes, a: int, b: int) -> bytes:
    i = a % (len(data) + 1)
    token = (b"{", b"}", b"(", b")", b"{{{{", b"}}}}")[b % 6]
    return data[:i] + token + data[i:]


def cpp_directive(data: bytes, a: int, b: int) -> bytes:
    """``#if`` without ``#endif``, ``#endif`` without ``#if``, a stray ``#else``, conflict markers."""
    lines = _lines(data)
    i = a % (len(lines) + 1)
    inserted = (
        b"#if defined(WITH_CUDA)\n",
        b"#endif\n",
        b"#else\n",
        b"<<<<<<< HEAD\n",
        b"=======\n",
        b">>>>>>> branch\n",
    )[b % 6]
    lines.insert(i, inserted)
    return b"".join(lines)


def cpp_deep(data: bytes, a: int, b: int) -> bytes:
    depth = 20 + b % 3000
    lines = _lines(data)
    i = a % (len(lines) + 1)
    line = (
        b"int _deep() { return " + b"(" * depth + b"1" + b")" * depth + b"; }\n",
        b"void _nest() " + b"{" * depth + b"}" * depth + b"\n",
        b"int _cast(int x) { return " + b"(int)" * depth + b"x; }\n",
        b"int _sum = 1" + b" + 1" * (depth * 20) + b";\n",
    )[b % 4]
    lines.insert(i, line)
    return b"".join(lines)


def strip_logging(data: bytes, a: int, b: int) -> bytes:
    """Every logging call removed, as in a tree the fixer must restore."""
    marker = (
        b"C10_LOG_API_USAGE_ONCE" if b"C10_LOG_API_USAGE_ONCE" in data else b"_log_api_usage_once("
    )
    return b"".join(line for line in _lines(data) if marker not in line or b"def " in line)


Mutation = Callable[[bytes, int, int], bytes]
COMMON: tuple[Mutation, ...] = (
    truncate,
    delete_line,
    duplicate_line,
    flip_byte,
    nul_byte,
    tabs,
    mixed_indent,
    crlf,
    bom,
    long_line,
    strip_logging,
)
PYTHON: tuple[Mutation, ...] = (*COMMON, coding_cookie, deep_nesting)
CPP: tuple[Mutation, ...] = (*COMMON, cpp_braces, cpp_directive, cpp_deep)

# mutations that usually leave the file parseable, after the logging is stripped: the
# examples that reach the fixer and its properties (re-parses, logging only, CRLF, BOM)
GENTLE: tuple[Mutation, ...] = (crlf, bom, tabs, coding_cookie, long_line, duplicate_line)

_INT = st.integers(min_value=0, max_value=2**31)


def mutations(kinds: tuple[Mutation, ...]) -> st.SearchStrategy[list[tuple[Mutation, int, int]]]:
    return st.lists(st.tuples(st.sampled_from(kinds), _INT, _INT), min_size=1, max_size=3)


def stripped_then(
    kinds: tuple[Mutation, ...],
) -> st.SearchStrategy[list[tuple[Mutation, int, int]]]:
    gentle = st.lists(st.tuples(st.sampled_from(kinds), _INT, _INT), max_size=2)
    return gentle.map(lambda steps: [(strip_logging, 0, 0), *steps])


def apply(data: bytes, steps: list[tuple[Mutation, int, int]]) -> bytes:
    for mutation, a, b in steps:
        data = mutation(data, a, b)
    return data
