"""One test per crash or unsafe behaviour the fuzz tests found (tests/test_fuzz.py)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_tree

NOT_LOGGED = """
    def nms(boxes):
        return boxes
"""


def test_fix_of_a_file_too_deep_for_libcst_is_skipped_and_the_others_are_fixed(
    tmp_path: Path,
) -> None:
    # `ast` parses a 500-term sum; libcst's code generation recursed past the limit and
    # the RecursionError ended `--fix` with a traceback
    deep = "def nms(boxes):\n    return boxes\n\n\nTABLE = 1" + " + 1" * 500 + "\n"
    write_tree(tmp_path, {"torchvision/ops/boxes.py": deep, "torchvision/ops/misc.py": NOT_LOGGED})
    before = (tmp_path / "torchvision/ops/boxes.py").read_bytes()
    result = run_cli(["check", "--no-cache", "--fix", "-q", "torchvision/ops"], tmp_path)
    assert (result.exit_code, type(result.exception)) == (1, SystemExit)
    assert result.output.splitlines()[0] == (
        "tvusage-lint: warning: torchvision/ops/boxes.py:1:1: "
        "TVU102 not fixed: too complex for the fixer: an expression nested 501 deep "
        "(the limit is 200)"
    )
    assert (tmp_path / "torchvision/ops/boxes.py").read_bytes() == before
    assert "_log_api_usage_once(nms)" in (tmp_path / "torchvision/ops/misc.py").read_text()


def test_a_python_file_too_deep_for_the_parser_says_so(tmp_path: Path) -> None:
    # CPython's parser raises a MemoryError without a message on 100,000 nested unary
    # operators: the finding read "cannot parse: " with nothing after it
    write_tree(tmp_path, {"torchvision/ops/deep.py": "x = " + "-" * 100_000 + "1\n"})
    result = run_cli(["check", "--no-cache", "-q", "torchvision/ops/deep.py"], tmp_path)
    assert result.output == (
        "torchvision/ops/deep.py:1:1: TVU001 cannot check this file: "
        "too complex to parse: nested too deeply\n"
    )
