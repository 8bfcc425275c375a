"""The logging helper's own definition, read as steps: what it assigns, returns and passes
to ``torch._C._log_api_usage_once``, under the conditions of the ``if``s around each step.

Each era's helper joined its arguments its own way, so ``emission`` evaluates events
with the tree's own definition (``HelperFact``), never an assumed one.
"""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted
from tvusage_lint.python.facts.definitions import BLOCKS
from tvusage_lint.python.facts.guards import positive_checks
from tvusage_lint.python.facts.log_calls import helper_call, reference, string_parts
from tvusage_lint.python.facts.types import (
    COND_ISINSTANCE,
    COND_JIT,
    COND_STARTSWITH,
    COND_UNKNOWN,
    FORM_TORCH_C,
    PART_UNKNOWN,
    STEP_ASSIGN,
    STEP_EMIT,
    STEP_RETURN,
    Cond,
    HelperFact,
    HelperStep,
)


def _condition(test: ast.expr) -> Cond:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        op, subject, operand = _condition(test.operand)
        return (op[1:] if op.startswith("!") else "!" + op), subject, operand
    if positive_checks(test):
        return COND_JIT, "", ""
    if isinstance(test, ast.Call) and not test.keywords:
        func = dotted(test.func)
        if func == "isinstance" and len(test.args) == 2:
            subject, kind = reference(test.args[0]), dotted(test.args[1])
            if subject and kind:
                return COND_ISINSTANCE, subject, kind
        if (
            isinstance(test.func, ast.Attribute)
            and test.func.attr == "startswith"
            and len(test.args) == 1
            and isinstance(test.args[0], ast.Constant)
            and isinstance(test.args[0].value, str)
        ):
            subject = reference(test.func.value)
            if subject:
                return COND_STARTSWITH, subject, test.args[0].value
    return COND_UNKNOWN, ast.unparse(test), ""


def _negate(cond: Cond) -> Cond:
    op, subject, operand = cond
    return (op[1:] if op.startswith("!") else "!" + op), subject, operand


def _helper_steps(body: list[ast.stmt], when: tuple[Cond, ...], out: list[HelperStep]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                out.append(HelperStep(STEP_ASSIGN, target.id, string_parts(stmt.value), when))
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            if isinstance(stmt.target, ast.Name):
                out.append(HelperStep(STEP_ASSIGN, stmt.target.id, string_parts(stmt.value), when))
        elif isinstance(stmt, (ast.Return, ast.Raise)):
            out.append(HelperStep(STEP_RETURN, "", (), when))
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            found = helper_call(stmt.value)
            if found and found[1] == FORM_TORCH_C:
                call = stmt.value
                value = (
                    string_parts(call.args[0])
                    if len(call.args) == 1 and not call.keywords
                    else ((PART_UNKNOWN, ast.unparse(call)),)
                )
                out.append(HelperStep(STEP_EMIT, "", value, when))
        elif isinstance(stmt, ast.If):
            cond = _condition(stmt.test)
            _helper_steps(stmt.body, (*when, cond), out)
            _helper_steps(stmt.orelse, (*when, _negate(cond)), out)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            _helper_steps(stmt.body, when, out)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.Try)) or (
            type(stmt).__name__ == "TryStar"
        ):
            # what runs here (how often, or whether) is not known: every step is conditional
            unknown = (COND_UNKNOWN, type(stmt).__name__.lower(), "")
            for field in BLOCKS:
                block = getattr(stmt, field, None) or []
                if field == "handlers":
                    block = [s for h in block for s in h.body]
                _helper_steps(block, (*when, unknown), out)


def helper_fact(node: ast.FunctionDef | ast.AsyncFunctionDef) -> HelperFact:
    args = node.args
    params = tuple(a.arg for a in (*args.posonlyargs, *args.args))
    steps: list[HelperStep] = []
    _helper_steps(node.body, (), steps)
    return HelperFact(params, tuple(steps))
