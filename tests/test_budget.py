"""Every parser under a budget (SPEC §6, issue #17): a file that would stall or crash a
parser is reported and the run goes on.

The libcst input is the one hypothesis drew on Python 3.10 (``test_mutated_python``,
hypothesis 6.168.5): ``torchvision/transforms/transforms.py`` with ``deep_nesting``'s
line ``_deep = 1 + 1 + ...`` of 46,380 terms, shrunk to a function and that line.
libcst's native parser takes time quadratic in the nesting depth of one expression
(the terms of a sum nest, one level each): over ten minutes on it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.fix.test_fix_python import insert, reasons, src
from tests.helpers import brief, run_cli, settings, write_tree
from tvusage_lint.engine import Engine, Result
from tvusage_lint.files import budget, parallel
from tvusage_lint.files.cache import Cache
from tvusage_lint.fix import python as fixer
from tvusage_lint.fix.python import expression_depth, fix_text
from tvusage_lint.python import facts

DRAWN_ON_310 = "def nms(boxes):\n    return boxes\n\n\n_deep = 1" + " + 1" * 46_380 + "\n"
NOT_LOGGED = """
    def nms(boxes):
        return boxes
"""


def _insert_nms() -> list:
    return [insert("nms", "nms", "wrap", import_="..utils")]


def test_the_input_drawn_on_310_is_refused_before_libcst_parses_it() -> None:
    started = time.monotonic()
    result = fix_text(DRAWN_ON_310, _insert_nms(), unsafe=True, module_name="t.ops.boxes")
    assert result.text == DRAWN_ON_310
    assert result.applied == []
    assert reasons(result) == [
        "too complex for the fixer: an expression nested 46381 deep (the limit is 200)"
        if expression_depth(DRAWN_ON_310) == 46_381
        else f"too complex for the fixer: an expression nested {2**63 - 1} deep "
        "(the limit is 200)"  # 3.11+: `ast` itself gives up on this depth
    ]
    assert time.monotonic() - started < 60  # not a timing test: the old code took > 10 min


def test_expression_depth_counts_the_nesting_of_one_expression() -> None:
    assert expression_depth("x = 1\n") == 1
    assert expression_depth("x = a + b + c\n") == 3  # BinOp(BinOp(a, b), c): 2 ops, a leaf
    assert expression_depth("x = f(a)(b).c[0]\n") == 5
    assert expression_depth("x = a and b and c\n") == 2  # one BoolOp: libcst loops, no nesting
    assert expression_depth("def f(:\n") == 0  # a syntax error is refused by the parse itself


def test_a_file_just_under_the_depth_limit_is_fixed() -> None:
    text = src(
        """
        def nms(boxes):
            return boxes


        TABLE = 1"""
        + " + 1" * 198
        + "\n"
    )
    result = fix_text(text, _insert_nms(), unsafe=True, module_name="t.ops.boxes")
    assert reasons(result) == []
    assert "        _log_api_usage_once(nms)\n" in result.text


def test_a_fix_over_its_time_budget_is_stopped_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def forever(*args: object) -> None:
        while True:
            time.sleep(1)

    monkeypatch.setattr(fixer, "_fix_text", forever)
    monkeypatch.setattr(fixer, "FIX_SECONDS", 0.5)
    text = src(NOT_LOGGED)
    result = fix_text(text, _insert_nms(), unsafe=True, module_name="t.ops.boxes")
    assert (result.text, result.applied) == (text, [])
    assert reasons(result) == ["too complex for the fixer: over its 0.5 s budget"]


def test_a_fixer_that_crashes_its_process_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # libcst overflows its native stack on a sum of about 8,000 terms: a segmentation fault
    monkeypatch.setattr(fixer, "_fix_text", lambda *a: os.kill(os.getpid(), signal.SIGSEGV))
    text = src(NOT_LOGGED)
    result = fix_text(text, _insert_nms(), unsafe=True, module_name="t.ops.boxes")
    assert reasons(result) == ["too complex for the fixer: the parser crashed on it"]


def test_fix_goes_on_with_the_other_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"torchvision/ops/boxes.py": DRAWN_ON_310, "torchvision/ops/misc.py": NOT_LOGGED},
    )
    before = (tmp_path / "torchvision/ops/boxes.py").read_bytes()
    result = run_cli(["check", "--no-cache", "--fix", "-q", "torchvision/ops"], tmp_path)
    assert result.exit_code == 1
    if expression_depth(DRAWN_ON_310) < 2**63 - 1:  # 3.10: `ast` parses it, the fixer refuses
        assert result.output.splitlines()[0] == (
            "tvusage-lint: warning: torchvision/ops/boxes.py:1:1: TVU102 not fixed: too "
            "complex for the fixer: an expression nested 46381 deep (the limit is 200)"
        )
    else:  # 3.11+: `ast` gives up, so the file is not even checked
        assert result.output.splitlines()[0] == (
            "torchvision/ops/boxes.py:1:1: TVU001 cannot check this file: "
            "too complex to parse: nested too deeply"
        )
    assert (tmp_path / "torchvision/ops/boxes.py").read_bytes() == before
    assert "_log_api_usage_once(nms)" in (tmp_path / "torchvision/ops/misc.py").read_text()


def test_in_child_returns_the_result_and_raises_the_childs_exception() -> None:
    assert budget.in_child(5, divmod, 7, 2) == (3, 1)
    with pytest.raises(ZeroDivisionError):
        budget.in_child(5, divmod, 7, 0)


def test_a_cancellable_wait_kills_the_child_as_soon_as_its_answer_is_not_wanted() -> None:
    asked_at = time.monotonic() + 0.1
    started = time.monotonic()
    with budget.cancellable(lambda: time.monotonic() > asked_at):
        with pytest.raises(budget.Cancelled):
            budget.in_child(5, time.sleep, 3)
    assert time.monotonic() - started < 1.0  # not the child's 3 s, nor the 5 s budget
    # outside the block nothing is cancelled, and the block left no question behind
    assert budget.in_child(5, divmod, 7, 2) == (3, 1)


def test_deadline_stops_python_code_in_this_thread() -> None:
    with pytest.raises(budget.OverBudget), budget.deadline(0.2):
        while True:
            pass
    with budget.deadline(0.2):  # disarmed on exit: nothing fires after it
        pass
    end = time.monotonic() + 0.6
    while time.monotonic() < end:
        pass


def _loops_on_marker(data: bytes, *, layers: bool = True) -> facts.PyFacts:
    if b"STALL" in data:
        while True:
            pass
    return real_extract(data, layers=layers)


real_extract = facts.extract


def test_a_file_over_the_parse_budget_is_tvu001_and_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts, "extract", _loops_on_marker)
    monkeypatch.setattr(parallel, "PARSE_SECONDS", 0.3)
    write_tree(
        tmp_path, {"torchvision/ops/stall.py": "# STALL\n", "torchvision/ops/misc.py": NOT_LOGGED}
    )
    cache = Cache(tmp_path / "cache")
    result = Engine(settings(), cache=cache).run([str(tmp_path / "torchvision/ops")], cwd=tmp_path)
    assert brief(result.findings) == [("TVU102", 1, "torchvision.ops.misc.nms"), ("TVU001", 1, "")]
    [broken] = [f for f in result.findings if f.code == "TVU001"]
    assert broken.path == "torchvision/ops/stall.py"
    assert broken.message.endswith("too complex to parse (over the 0.3 s budget)")
    data = (tmp_path / "torchvision/ops/stall.py").read_bytes()
    assert cache.get(parallel.content_key(parallel.PY, data)) is None


def _macro_doubling(levels: int, unit: str) -> str:
    """A macro whose expansion doubles ``levels`` times: 2**levels copies of ``unit``."""
    defines = [f"#define A0 {unit}"]
    defines += [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, levels + 1)]
    return "\n".join(defines) + "\n"


LEGACY_OP = """
#include <ATen/ATen.h>
#include <torch/library.h>

namespace vision {
namespace ops {

at::Tensor nms(const at::Tensor& dets) {
  return dets;
}

TORCH_LIBRARY_FRAGMENT(torchvision, m) {
  m.def("torchvision::nms(Tensor dets) -> Tensor", &nms);
}

} // namespace ops
} // namespace vision
"""


def _cpp_tree(tmp_path: Path, bad: str) -> Result:
    write_tree(
        tmp_path,
        {"torchvision/csrc/ops/bad.cpp": bad, "torchvision/csrc/ops/nms.cpp": LEGACY_OP},
    )
    return Engine(settings()).run([str(tmp_path / "torchvision/csrc")], cwd=tmp_path)


def _parse_errors(result: Result) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in result.findings if f.code == "TVU001"]


def test_libclang_over_its_budget_is_stopped_and_the_other_files_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2**26 copies of `1,` in an initializer: libclang preprocesses for minutes (2**20: 4 s)
    monkeypatch.setattr(parallel, "PARSE_SECONDS", 1.0)
    bomb = _macro_doubling(26, "1,") + "static int table[] = { A26 1 };\n"
    result = _cpp_tree(tmp_path, bomb)
    assert _parse_errors(result) == [
        (
            "torchvision/csrc/ops/bad.cpp",
            "cannot parse C++: too complex to parse (over the 1 s budget)",
        )
    ]
    assert brief(result.findings) == [("TVU001", 1, ""), ("TVU301", 7, "vision::ops::nms")]


def test_libclang_crashing_on_a_file_is_reported_and_the_other_files_are_checked(
    tmp_path: Path,
) -> None:
    # the guard counts operators in the text; a macro makes 2**14 of them in one
    # expression and libclang overflows its stack (a segmentation fault)
    crash = _macro_doubling(14, "1+") + "int f() { return A14 1; }\n"
    result = _cpp_tree(tmp_path, crash)
    assert _parse_errors(result) == [
        (
            "torchvision/csrc/ops/bad.cpp",
            "cannot parse C++: the parser crashed on this file (its process died); "
            "please report it",
        )
    ]
    assert brief(result.findings) == [("TVU001", 1, ""), ("TVU301", 7, "vision::ops::nms")]


def test_deadline_stops_python_code_in_another_thread() -> None:
    # the language server extracts facts in a worker thread, where no signal can reach
    caught: list[str] = []

    def work() -> None:
        try:
            with budget.deadline(0.2):
                while True:
                    pass
        except budget.OverBudget:
            caught.append("over budget")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert caught == ["over budget"]
    # and the watchdog's own thread ends once idle: no thread left to make forks unsafe
    end = time.monotonic() + 10
    while any(t.name == "tvusage-budget" for t in threading.enumerate()):
        assert time.monotonic() < end
        time.sleep(0.01)
