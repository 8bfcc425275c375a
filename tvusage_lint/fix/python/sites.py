"""Where things are in the libcst tree: each logging call with the statements around it
(its line, its block, its guard), the defs and classes by qualified name, and the
comments by line, all found once per file before planning."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tvusage_lint.fix.python.nodes import (
    _dotted,
    _logs_only,
    guard_kind,
    is_log_call,
)
from tvusage_lint.fix.verify import is_log_call as is_log_call_ast
from tvusage_lint.python.facts import HELPER, dotted


@dataclass
class _Site:
    """One logging call and the statements around it."""

    call: cst.Call
    stack: list[cst.CSTNode]  # the nodes above the call, from the module down
    fn: cst.FunctionDef | None
    is_stmt: bool  # the call is an expression statement (maybe sharing its line)
    line: cst.SimpleStatementLine | None  # the statement, when the call is alone on it
    holder: cst.CSTNode | None  # the block (or module) holding ``line``
    guard: cst.If | None  # the guard ``if`` around it (any guard kind), when there is one
    guard_holder: cst.CSTNode | None
    logs_only: bool  # the guard holds nothing but logging
    shared: str  # why the call is not a statement of its own ("" when it is)

    @property
    def unit(self) -> cst.BaseStatement | None:
        """What moves with the call: its guard when it holds only logging, else its line."""
        if self.guard is not None and self.logs_only:
            return self.guard
        return self.line

    @property
    def unit_holder(self) -> cst.CSTNode | None:
        if self.guard is not None and self.logs_only:
            return self.guard_holder
        return self.holder

    @property
    def indent(self) -> str | None:
        return self.holder.indent if isinstance(self.holder, cst.IndentedBlock) else None


def _site(call: cst.Call, stack: list[cst.CSTNode]) -> _Site:
    fn = next((n for n in reversed(stack) if isinstance(n, cst.FunctionDef)), None)
    site = _Site(call, stack, fn, False, None, None, None, None, False, "")
    parent = stack[-1] if stack else None
    if not isinstance(parent, cst.Expr) or parent.value is not call or len(stack) < 3:
        site.shared = "the call is part of an expression, not a statement of its own"
        return site
    site.is_stmt = True
    holder_at = len(stack) - 3
    outer = stack[-2]
    if isinstance(outer, cst.SimpleStatementLine) and len(outer.body) == 1:
        site.line = outer
        site.holder = stack[holder_at]
    elif isinstance(outer, cst.SimpleStatementSuite) and len(outer.body) == 1:
        site.holder = outer
        holder_at = len(stack) - 2
    else:
        site.shared = "the call shares its line with other statements"
        return site
    owner = stack[holder_at - 1] if holder_at >= 2 else None
    if isinstance(owner, cst.If) and owner.body is site.holder and guard_kind(owner):
        site.guard = owner
        site.guard_holder = stack[holder_at - 2]
        site.logs_only = _logs_only(owner.body)
    if site.line is None and site.guard is None:
        site.shared = "the call sits on the line of a compound statement"
    return site


class _Index:
    """Defs by qualified name and statement-level logging calls by position.

    Only statements are walked, never expressions: a full libcst visit of a
    large file costs more than parsing it. Calls get their positions from the
    ``ast`` of the same text (the two list the same calls in the same order),
    so the columns are ast's, as in the findings. Comments need a full visit
    and are collected only when a suppression is to be removed.
    """

    def __init__(self, module: cst.Module, text: str, comments: bool) -> None:
        self.module = module
        self.defs: dict[str, cst.FunctionDef] = {}
        self.classes: dict[str, tuple[cst.ClassDef, list[cst.CSTNode]]] = {}  # → (node, above)
        self.def_stacks: dict[cst.FunctionDef, list[cst.CSTNode]] = {}
        self.sites: dict[tuple[int, int], _Site] = {}
        self.comments: dict[int, tuple[cst.Comment, list[cst.CSTNode]]] = {}
        self.in_expressions: set[tuple[int, int]] = set()  # calls that are not statements
        found: list[_Site] = []
        self._suite_body(module.body, [module], [], found)
        if HELPER in text:
            self._locate(found, text)
        if comments:
            collector = _Comments()
            MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
            self.comments = collector.found

    def _suite_body(
        self,
        body: Sequence[cst.CSTNode],
        stack: list[cst.CSTNode],
        scope: list[str],
        found: list[_Site],
    ) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._small(small, [*stack, stmt], found)
            elif isinstance(stmt, cst.BaseSmallStatement):  # in a one-line suite
                self._small(stmt, stack, found)
            elif isinstance(stmt, cst.FunctionDef):
                name = stmt.name.value
                self.defs[".".join([*scope, name])] = stmt
                self.def_stacks[stmt] = stack
                self._compound(stmt, stack, [*scope, name, "<locals>"], found)
            elif isinstance(stmt, cst.ClassDef):
                self.classes[".".join([*scope, stmt.name.value])] = (stmt, stack)
                self._compound(stmt, stack, [*scope, stmt.name.value], found)
            else:
                self._compound(stmt, stack, scope, found)

    def _small(self, small: cst.CSTNode, stack: list[cst.CSTNode], found: list[_Site]) -> None:
        if isinstance(small, cst.Expr) and is_log_call(small.value):
            assert isinstance(small.value, cst.Call)
            found.append(_site(small.value, [*stack, small]))

    def _compound(
        self, node: cst.CSTNode, stack: list[cst.CSTNode], scope: list[str], found: list[_Site]
    ) -> None:
        """A compound statement or one of its clauses, in source order."""
        inner = [*stack, node]
        body = getattr(node, "body", None)
        if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self._suite_body(body.body, [*inner, body], scope, found)
        for name in ("handlers", "cases"):
            for clause in getattr(node, name, ()):
                self._compound(clause, inner, scope, found)
        for name in ("orelse", "finalbody"):
            clause = getattr(node, name, None)
            if isinstance(clause, cst.CSTNode):
                self._compound(clause, inner, scope, found)

    def _locate(self, found: list[_Site], text: str) -> None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        statements: set[ast.AST] = set()
        calls = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and is_log_call_ast(node.value):
                statements.add(node.value)
                calls.append((node.value.lineno, node.value.col_offset, dotted(node.value.func)))
            elif is_log_call_ast(node) and node not in statements:
                assert isinstance(node, ast.Call)
                self.in_expressions.add((node.lineno, node.col_offset))
        calls.sort()
        if len(calls) != len(found):
            return
        for (line, col, name), site in zip(calls, found):
            if name != _dotted(site.call.func):
                self.sites.clear()
                return
            self.sites[(line, col)] = site


class _Comments(cst.CSTVisitor):
    """Every comment by line, with the nodes above it."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[cst.CSTNode] = []
        self.found: dict[int, tuple[cst.Comment, list[cst.CSTNode]]] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Comment):
            line = self.get_metadata(PositionProvider, node).start.line
            self.found[line] = (node, list(self.stack))
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
