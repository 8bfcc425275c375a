"""Reading and building libcst nodes: logging calls, guards, early returns, docstrings,
``super().__init__``, the names a module binds; and the statements a fix adds (the
logging line, its guard). Every other module of the fixer reads the tree through these.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from tvusage_lint.python.facts import HELPER


def _dotted(node: cst.CSTNode | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def is_log_call(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    name = _dotted(node.func)
    return name == HELPER or name.endswith("." + HELPER)


def _call_arg(call: cst.Call) -> str:
    """The dotted name the call logs, "" for any other form."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return ""
    return _dotted(call.args[0].value)


def _jit_check(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call) and not node.args:
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in ("is_scripting", "is_tracing") and (name == last or "jit" in name):
            return "scripting" if last == "is_scripting" else "tracing"
    return ""


def _positive(node: cst.BaseExpression) -> set[str] | None:
    """Checks in ``a()`` / ``a() or b()``; None for anything else (as facts.py reads them)."""
    kind = _jit_check(node)
    if kind:
        return {kind}
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        left, right = _positive(node.left), _positive(node.right)
        return None if left is None or right is None else left | right
    return None


def _negated(node: cst.BaseExpression) -> set[str] | None:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return _positive(node.expression)
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.And):
        left, right = _negated(node.left), _negated(node.right)
        return None if left is None or right is None else left | right
    return None


def guard_kind(node: cst.CSTNode) -> str:
    """ "scripting+tracing" / "scripting" for a logging guard ``if``, else ""."""
    if not isinstance(node, cst.If) or node.orelse is not None:
        return ""
    checks = _negated(node.test)
    if not checks or "scripting" not in checks:
        return ""
    return "scripting+tracing" if "tracing" in checks else "scripting"


def _small_statements(suite: cst.BaseSuite) -> list[cst.BaseSmallStatement] | None:
    """The small statements of a block, None when it holds a compound statement."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return list(suite.body)
    out: list[cst.BaseSmallStatement] = []
    for stmt in suite.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return None
        out.extend(stmt.body)
    return out


def _logs_only(suite: cst.BaseSuite) -> bool:
    smalls = _small_statements(suite)
    return bool(smalls) and all(
        isinstance(s, cst.Expr) and is_log_call(s.value) for s in smalls or ()
    )


def is_early_return(stmt: cst.CSTNode) -> bool:
    """``if torch.jit.is_scripting(): return ...`` (transforms v2)."""
    if not isinstance(stmt, cst.If) or stmt.orelse is not None:
        return False
    checks = _positive(stmt.test)
    if not checks or "scripting" not in checks:
        return False
    smalls = stmt.body.body
    if isinstance(stmt.body, cst.IndentedBlock):
        last = smalls[-1] if smalls else None
        if not isinstance(last, cst.SimpleStatementLine):
            return False
        smalls = last.body
    return bool(smalls) and isinstance(smalls[-1], (cst.Return, cst.Raise))


def _is_str(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return "b" not in node.prefix.lower()
    if isinstance(node, cst.ConcatenatedString):
        return _is_str(node.left) and _is_str(node.right)
    return False


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and isinstance(stmt.body[0], cst.Expr)
        and _is_str(stmt.body[0].value)
    )


def _body_start(body: Sequence[cst.BaseStatement]) -> int:
    return 1 if body and _is_docstring(body[0]) else 0


def _is_super_init_call(call: cst.Call) -> bool:
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "__init__":
        return False
    target = func.value
    if isinstance(target, cst.Call) and _dotted(target.func) == "super":
        return True
    return bool(_dotted(target)) and bool(call.args) and _dotted(call.args[0].value) == "self"


class _SuperFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Expr(self, node: cst.Expr) -> bool:
        if isinstance(node.value, cst.Call) and _is_super_init_call(node.value):
            self.found = True
        return False


def _has_super_init(stmt: cst.BaseStatement) -> bool:
    finder = _SuperFinder()
    stmt.visit(finder)
    return finder.found


def _logged_args(stmt: cst.BaseStatement) -> list[str]:
    """What a top-level statement logs, when it is a logging statement or guard."""
    if isinstance(stmt, cst.SimpleStatementLine):
        smalls: Sequence[cst.BaseSmallStatement] = stmt.body
    elif guard_kind(stmt) and isinstance(stmt, cst.If):
        smalls = _small_statements(stmt.body) or ()
    else:
        return []
    return [
        _call_arg(s.value) or "?"
        for s in smalls
        if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call) and is_log_call(s.value)
    ]


def _module_names(body: Sequence[cst.BaseStatement]) -> set[str]:
    """Names bound at module level by imports and defs (through if/try/with blocks)."""
    out: set[str] = set()
    for stmt in body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            out.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            out.add(alias.asname.name.value)
                        elif alias.asname is None:
                            out.add(_dotted(alias.name).split(".")[0])
                elif isinstance(small, cst.ImportFrom) and not isinstance(
                    small.names, cst.ImportStar
                ):
                    for alias in small.names:
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            out.add(alias.asname.name.value)
                        else:
                            out.add(_dotted(alias.name))
        elif isinstance(stmt, (cst.If, cst.Try, cst.With)) or type(stmt).__name__ == "TryStar":
            blocks = [stmt.body]
            if isinstance(stmt, cst.If):
                orelse = stmt.orelse
                while isinstance(orelse, cst.If):
                    blocks.append(orelse.body)
                    orelse = orelse.orelse
                if orelse is not None:
                    blocks.append(orelse.body)
            elif not isinstance(stmt, cst.With):
                blocks += [h.body for h in stmt.handlers]  # type: ignore[attr-defined]
                for extra in (stmt.orelse, stmt.finalbody):  # type: ignore[attr-defined]
                    if extra is not None:
                        blocks.append(extra.body)
            for block in blocks:
                if isinstance(block, cst.IndentedBlock):
                    out |= _module_names(block.body)
    return out


def _expr(dotted: str) -> cst.BaseExpression:
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _not_call(dotted: str) -> cst.UnaryOperation:
    return cst.UnaryOperation(operator=cst.Not(), expression=cst.Call(func=_expr(dotted)))


def _guard_test() -> cst.BaseExpression:
    return cst.BooleanOperation(
        left=_not_call("torch.jit.is_scripting"),
        operator=cst.And(),
        right=_not_call("torch.jit.is_tracing"),
    )


def _log_line(arg: str) -> cst.SimpleStatementLine:
    call = cst.Call(func=cst.Name(HELPER), args=[cst.Arg(_expr(arg))])
    return cst.SimpleStatementLine(body=[cst.Expr(call)])


def _wrap(stmt: cst.SimpleStatementLine, indent: str | None) -> cst.If:
    return cst.If(
        test=_guard_test(),
        body=cst.IndentedBlock(body=[stmt.with_changes(leading_lines=())], indent=indent),
        leading_lines=stmt.leading_lines,
    )


_BLANK = cst.EmptyLine(indent=False)


def _is_blank(line: cst.EmptyLine) -> bool:
    return line.comment is None


def _join_lines(
    first: Sequence[cst.EmptyLine], second: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """``first + second`` without a doubled blank line at the seam."""
    if first and second and _is_blank(first[-1]) and _is_blank(second[0]):
        return [*first, *second[1:]]
    return [*first, *second]
