"""The names a module binds at its top level: imports, aliases, ``__all__``, registrations,
classes and functions (with the helper's definition), through if/try/with blocks."""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted, span_of
from tvusage_lint.python.facts.definitions import base_name, function_fact
from tvusage_lint.python.facts.helper import helper_fact
from tvusage_lint.python.facts.types import HELPER, ClassFact, FunctionFact, HelperFact, ImportFact


def _registration(stmt: ast.Expr) -> tuple[str, str, str] | None:
    """``register(dispatcher, T)(kernel)`` at module level → (register, dispatcher, kernel)."""
    call = stmt.value
    if (
        isinstance(call, ast.Call)
        and len(call.args) == 1
        and isinstance(call.func, ast.Call)
        and call.func.args
    ):
        register, first, kernel = (
            dotted(call.func.func),
            dotted(call.func.args[0]),
            dotted(call.args[0]),
        )
        if register and first and kernel:
            return register, first, kernel
    return None


class Bindings:
    """What the statements of the module's own level bind; imports met deeper (in a def the
    log-call walk enters) are added by the walk, marked ``top_level=False``."""

    def __init__(self) -> None:
        self.imports: list[ImportFact] = []
        self.classes: list[ClassFact] = []
        self.functions: list[FunctionFact] = []
        self.aliases: list[tuple[str, str]] = []
        self.registrations: list[tuple[str, str, str]] = []
        self.helper: HelperFact | None = None
        self.all_names: list[str] | None = None
        self.all_static = True
        self.has_all = False
        self.bound: set[str] = set()

    def module_block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.bound.add(stmt.name)
                self.functions.append(function_fact(stmt, stmt.name))
                if stmt.name == HELPER:
                    self.helper = helper_fact(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.bound.add(stmt.name)
                self.classes.append(self._class(stmt, nested=False))
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.add_import(stmt, top_level=True)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                self._assign(stmt)
            elif isinstance(stmt, ast.Expr):
                self._all_extend(stmt)
                found = _registration(stmt)
                if found:
                    self.registrations.append(found)
            elif isinstance(stmt, ast.If):
                self.module_block(stmt.body)
                self.module_block(stmt.orelse)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                self.module_block(stmt.body)  # type: ignore[attr-defined]
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    self.module_block(handler.body)
                self.module_block(stmt.orelse)  # type: ignore[attr-defined]
                self.module_block(stmt.finalbody)  # type: ignore[attr-defined]
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                self.module_block(stmt.body)

    def add_import(self, stmt: ast.Import | ast.ImportFrom, top_level: bool) -> None:
        if isinstance(stmt, ast.Import):
            names = []
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                names.append((alias.name, alias.asname or ""))
                self.bound.add(bound)
            fact = ImportFact(
                "", 0, tuple(names), False, stmt.lineno, stmt.end_lineno or stmt.lineno, top_level
            )
        else:
            names = []
            for alias in stmt.names:
                names.append((alias.name, alias.asname or ""))
                if alias.name != "*":
                    self.bound.add(alias.asname or alias.name)
            fact = ImportFact(
                stmt.module or "",
                stmt.level,
                tuple(names),
                True,
                stmt.lineno,
                stmt.end_lineno or stmt.lineno,
                top_level,
            )
        self.imports.append(fact)

    def _assign(self, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                self.bound.add(target.id)
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return
        name = targets[0].id
        value = stmt.value
        if name == "__all__":
            self.has_all = True
            names = _static_strings(value)
            if names is None:
                self.all_static = False
            elif isinstance(stmt, ast.AugAssign):
                self.all_names = (self.all_names or []) + names
            else:
                self.all_names = names
            return
        if isinstance(stmt, ast.Assign) and value is not None:
            target = dotted(value)
            if target:
                self.aliases.append((name, target))

    def _all_extend(self, stmt: ast.Expr) -> None:
        call = stmt.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and dotted(call.func.value) == "__all__"
        ):
            self.has_all = True
            names = _static_strings(call.args[0]) if len(call.args) == 1 else None
            if call.func.attr in ("extend", "append") and names is not None:
                self.all_names = (self.all_names or []) + names
            elif call.func.attr == "append" and isinstance(call.args[0], ast.Constant):
                self.all_names = (self.all_names or []) + [str(call.args[0].value)]
            else:
                self.all_static = False

    def _class(self, node: ast.ClassDef, nested: bool) -> ClassFact:
        init = None
        methods = []
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(stmt.name)
                if stmt.name == "__init__":
                    init = function_fact(stmt, f"{node.name}.__init__")
        first_line = min([d.lineno for d in node.decorator_list] + [node.lineno])
        return ClassFact(
            name=node.name,
            span=span_of(node),
            first_line=first_line,
            bases=tuple(b for b in (base_name(x) for x in node.bases) if b),
            init=init,
            methods=tuple(methods),
            nested=nested,
            decorators=tuple(
                dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list
            ),
        )


def _static_strings(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append(elt.value)
            else:
                return None
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _static_strings(node.left), _static_strings(node.right)
        if left is not None and right is not None:
            return left + right
    return None
