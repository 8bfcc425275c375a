"""Input that would overflow libclang's stack is refused before parsing (a crash, not an error)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_tree
from tvusage_lint.cpp import facts

PREFIX = "not parsed, libclang would overflow its stack: "


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        # each of these crashed the whole run with a segmentation fault (libclang 18.1.1)
        (
            "int f(int x) {\n  return " + "(int)" * 2000 + "x;\n}\n",
            2,
            "more than 1000 operators in one statement",
        ),
        (
            "int f(int x) {\n  return " + "-" * 10000 + "x;\n}\n",
            2,
            "more than 1000 operators in one statement",
        ),
        (
            "int k = 1" + " + 1" * 50000 + ";\n",
            1,
            "more than 1000 operators in one statement",
        ),
        (
            "#define X(a) a\nint f(int x) {\n  return "
            + "X(" * 10000
            + "x"
            + ")" * 10000
            + ";\n}\n",
            3,
            "brackets nested deeper than 256",
        ),
        (
            "void f(int x) {\n  if (x) {}\n" + "  else if (x) {}\n" * 10000 + "}\n",
            1003,
            "more than 1000 `else if` branches",
        ),
        (
            "#if " + "!" * 20000 + "1\nint f() { return 0; }\n#endif\n",
            1,
            "more than 1000 operators in one statement",
        ),
    ],
)
def test_hazards_are_refused_with_their_line(text: str, line: int, reason: str) -> None:
    got = facts.extract(text.encode(), "x.cpp")
    assert (got.error, got.error_line) == (PREFIX + reason, line)


def test_long_flat_tables_and_deep_but_legal_nesting_are_parsed() -> None:
    table = "static const float kTable[] = {" + ", ".join(["1.0f"] * 20000) + "};\n"
    nested = "int g(int x) { return " + "(" * 200 + "x" + ")" * 200 + "; }\n"
    got = facts.extract((table + nested).encode(), "x.cpp")
    assert got.error == ""
    assert [f.qualname for f in got.functions] == ["g"]


def test_the_run_survives_a_file_that_crashed_libclang(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/__init__.py": "",
            "torchvision/csrc/ops/deep.cpp": "int f(int x) {\n  return "
            + "(int)" * 2000
            + "x;\n}\n",
        },
    )
    run = subprocess.run(
        [sys.executable, "-m", "tvusage_lint", "check", "--no-cache", "-q", "torchvision"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout) == (
        1,
        f"torchvision/csrc/ops/deep.cpp:2:1: TVU001 cannot parse C++: {PREFIX}"
        "more than 1000 operators in one statement\n",
    )
