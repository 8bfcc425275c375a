"""Logging calls, anywhere in the file, with the scope that owns them.

The walk enters only the statements whose lines name the helper (``helper_lines``,
found in the text before parsing), so a file with no logging is not walked at all.
Each call gets its guard (an ``if`` around it, or an early return above it in the
same body), its scope and owner, and its index when it is a top-level statement.
"""

from __future__ import annotations

import ast
import bisect

from tvusage_lint.python.ast_util import span_of
from tvusage_lint.python.facts.bindings import Bindings
from tvusage_lint.python.facts.guards import early_return_kind, wrap_guard_kind
from tvusage_lint.python.facts.log_calls import arguments, call_form, helper_call
from tvusage_lint.python.facts.types import (
    GUARD_NONE,
    HELPER,
    SCOPE_FUNCTION,
    SCOPE_METHOD,
    SCOPE_MODULE,
    SCOPE_NESTED,
    LogCall,
)


class LogCallWalk:
    """Collects ``log_calls``; an import inside a def it enters goes to ``bindings``."""

    def __init__(self, helper_lines: list[int], bindings: Bindings) -> None:
        self.helper_lines = helper_lines
        self.bindings = bindings
        self.log_calls: list[LogCall] = []

    def calls_in(
        self, body: list[ast.stmt], scope: str, owner: str, owner_class: str, top: bool
    ) -> None:
        """The logging calls in ``body``; ``top``: a def's own statements, which get an index
        and the guard of an early return above them."""
        early = GUARD_NONE
        for index, stmt in enumerate(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not self._mentions_helper(stmt):
                    continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._def(stmt, scope, owner, owner_class)
                continue
            if isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._def(inner, scope, owner, stmt.name, in_class=True)
                    elif isinstance(inner, ast.ClassDef):
                        self.calls_in([inner], SCOPE_NESTED, owner, stmt.name, top=False)
                    else:
                        self._scan_stmt(
                            inner,
                            SCOPE_NESTED if scope != SCOPE_MODULE else SCOPE_MODULE,
                            owner,
                            stmt.name,
                            None,
                            GUARD_NONE,
                            stmt_node=inner,
                        )
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) and scope != SCOPE_MODULE:
                self.bindings.add_import(stmt, top_level=False)
            kind = early_return_kind(stmt) if top else ""
            self._scan_stmt(stmt, scope, owner, owner_class, index if top else None, early, stmt)
            if kind and early == GUARD_NONE:
                early = kind

    def _def(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        outer_scope: str,
        outer_owner: str,
        owner_class: str,
        in_class: bool = False,
    ) -> None:
        if outer_scope == SCOPE_MODULE and in_class:
            scope, qual = SCOPE_METHOD, f"{owner_class}.{node.name}"
        elif outer_scope == SCOPE_MODULE:
            scope, qual = SCOPE_FUNCTION, node.name
        else:
            scope = SCOPE_NESTED
            prefix = f"{outer_owner}.<locals>." if outer_owner else ""
            qual = f"{prefix}{owner_class + '.' if in_class else ''}{node.name}"
        self.calls_in(node.body, scope, qual, owner_class if in_class else "", top=True)

    def _mentions_helper(self, node: ast.AST) -> bool:
        """Whether any line of ``node`` contains the helper's name (cheap pruning)."""
        lines = self.helper_lines
        if not lines:
            return False
        start = node.lineno  # type: ignore[attr-defined]
        end = getattr(node, "end_lineno", None) or start
        i = bisect.bisect_left(lines, start)
        return i < len(lines) and lines[i] <= end

    def _scan_stmt(
        self,
        stmt: ast.stmt,
        scope: str,
        owner: str,
        owner_class: str,
        index: int | None,
        early: str,
        stmt_node: ast.stmt,
    ) -> None:
        if not self._mentions_helper(stmt):
            return
        # A guard ``if`` whose body is a logging call is one logical statement.
        guard = GUARD_NONE
        if isinstance(stmt, ast.If):
            wrap = wrap_guard_kind(stmt.test)
            if wrap:
                for inner in stmt.body:
                    if isinstance(inner, ast.Expr) and helper_call(inner.value):
                        self._record(inner.value, scope, owner, owner_class, index, wrap, stmt)
                    else:
                        self._scan_nested(inner, scope, owner, owner_class)
                for inner in stmt.orelse:
                    self._scan_nested(inner, scope, owner, owner_class)
                return
        if isinstance(stmt, ast.Expr) and helper_call(stmt.value):
            guard = early if early != GUARD_NONE else GUARD_NONE
            self._record(stmt.value, scope, owner, owner_class, index, guard, stmt)
            for arg in stmt.value.args:
                self._scan_expr(arg, scope, owner, owner_class)
            return
        self._scan_nested(stmt, scope, owner, owner_class)

    def _scan_nested(self, stmt: ast.stmt, scope: str, owner: str, owner_class: str) -> None:
        """Calls deeper than a top-level statement: no index, guards by ``if`` only."""
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._def(child, scope, owner, "")
                continue
            if isinstance(child, ast.ClassDef):
                self.calls_in([child], scope, owner, owner_class, top=False)
                continue
            if isinstance(child, ast.stmt):
                self._scan_stmt(child, scope, owner, owner_class, None, GUARD_NONE, child)
            else:
                self._scan_expr(child, scope, owner, owner_class)

    def _scan_expr(self, node: ast.AST, scope: str, owner: str, owner_class: str) -> None:
        if not hasattr(node, "lineno") or not self._mentions_helper(node):
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and helper_call(sub):
                self._record(sub, scope, owner, owner_class, None, GUARD_NONE, None)

    def _record(
        self,
        call: ast.Call,
        scope: str,
        owner: str,
        owner_class: str,
        index: int | None,
        guard: str,
        stmt: ast.stmt | None,
    ) -> None:
        found = helper_call(call)
        assert found is not None
        callee, hint = found
        if owner.rsplit(".", 1)[-1] == HELPER:
            return  # the helper's own implementation
        form, arg = call_form(call, hint)
        self.log_calls.append(
            LogCall(
                span=span_of(call),
                stmt_span=span_of(stmt) if stmt is not None else span_of(call),
                form=form,
                arg=arg,
                guard=guard,
                scope=scope,
                owner=owner,
                owner_class=owner_class,
                stmt_index=index,
                callee=callee,
                args=arguments(call),
            )
        )
