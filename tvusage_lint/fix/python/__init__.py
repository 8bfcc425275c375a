"""The Python fixer: carry out every wanted fix of one file in one libcst pass.

libcst keeps comments, blank lines and formatting, so only the logging
statements, their guards and the helper's import change. The work is split
in two: a plan (which node gets what, decided on the original tree, where a
finding that cannot be carried out is skipped with its reason) and one
transformer that applies the whole plan. Several findings may meet on one
def or one call (a rewrite and a move of the same call, two inserts needing
the same import); the plan merges them. The result is verified
(``fix.verify``) before it is returned; a failed check returns the text
untouched.

The package: ``nodes`` (reading and building libcst nodes), ``sites`` (where
the calls, defs and comments are), ``plan`` (the plan, one method per fix
action), ``apply`` (the transformer carrying it out) and ``imports`` (where the
helper's import goes); this module is the entry point, under the budget.

This package is imported only when fixing, so it may import libcst at the top.
"""

from __future__ import annotations

import ast
import sys

import libcst as cst

from tvusage_lint.core.findings import Finding
from tvusage_lint.files import budget
from tvusage_lint.fix import FixResult, wanted
from tvusage_lint.fix.python.apply import _Apply
from tvusage_lint.fix.python.plan import _Planner
from tvusage_lint.fix.python.sites import _Index
from tvusage_lint.fix.verify import check

FIX_SECONDS = 20.0  # one file's fix (parse, plan, verify); typical: a tenth of a second
MAX_DEPTH = 200  # expression nesting libcst is given: CPython's own limit for brackets
TOO_COMPLEX = "too complex for the fixer"


def fix_text(text: str, findings: list[Finding], *, unsafe: bool, module_name: str) -> FixResult:
    """Apply the wanted fixes of ``findings`` to ``text`` (one file) and verify the result.

    libcst's native parser takes time quadratic in the nesting depth of one expression
    (``1 + 1 + ...`` with 46,000 terms: over ten minutes) and overflows its stack
    beyond a few thousand levels, killing the process. So a file nested deeper than
    ``MAX_DEPTH`` is refused before parsing, and the fix runs in a child process that
    is stopped after ``FIX_SECONDS``: a file over either is reported, never fixed."""
    chosen = [f for f in findings if wanted(f, unsafe)]
    if not chosen:
        return FixResult(text)
    depth = expression_depth(text)
    if depth > MAX_DEPTH:
        reason = f"{TOO_COMPLEX}: an expression nested {depth} deep (the limit is {MAX_DEPTH})"
        return FixResult(text, [], [(f, reason) for f in chosen])
    try:
        return budget.in_child(FIX_SECONDS, _fix_text, text, chosen, module_name)
    except budget.OverBudget:
        reason = f"{TOO_COMPLEX}: over its {FIX_SECONDS:g} s budget"
    except budget.ChildDied:
        reason = f"{TOO_COMPLEX}: the parser crashed on it"
    return FixResult(text, [], [(f, reason) for f in chosen])


def expression_depth(text: str) -> int:
    """How deeply expressions nest in ``text`` (``a + b + c`` is 3 deep: each operator
    nests the left side), by ``ast``, in one pass; 0 when ``ast`` cannot parse it (the
    fix is then refused by the parse below, as before)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return 0
    except (RecursionError, MemoryError):
        return sys.maxsize
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = 0
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _fix_text(text: str, chosen: list[Finding], module_name: str) -> FixResult:
    try:
        module = cst.parse_module(text)
    except Exception as exc:  # libcst's ParserSyntaxError, RecursionError on deep nesting
        reason = f"libcst cannot parse the file: {exc}".splitlines()[0]
        return FixResult(text, [], [(f, reason) for f in chosen])
    comments = any(f.fix is not None and f.fix.action == "remove-suppression" for f in chosen)
    try:  # libcst's visitors and code generation recurse once per level of an expression
        index = _Index(module, text, comments)
        planner = _Planner(module, index, module_name)
        applied, skipped = planner.run(chosen)
        if not applied:
            return FixResult(text, [], skipped)
        new = module.visit(_Apply(planner.plan, module_name)).code
    except RecursionError:
        return FixResult(text, [], [(f, "the file nests too deeply for libcst") for f in chosen])
    if new == text:
        return FixResult(text, applied, skipped)
    reason = check(text, new)
    if reason:
        return FixResult(text, [], [(f, reason) for f in applied] + skipped)
    return FixResult(new, applied, skipped)
