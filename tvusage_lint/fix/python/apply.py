"""Carrying out the plan in one libcst pass that enters only the nodes above an edit:
calls rewritten, lines wrapped in a guard, guards completed, logging lines moved or
inserted (after ``super().__init__``, after an early return, or first), constructors
added, suppression comments trimmed, and the imports the new calls need."""

from __future__ import annotations

import libcst as cst

from tvusage_lint.core.suppressions import strip_comment
from tvusage_lint.fix import constructor
from tvusage_lint.fix.python.imports import (
    _FIRST_PARTY,
    _group_of,
    _import_line,
    _merge_into,
    _place,
)
from tvusage_lint.fix.python.nodes import (
    _BLANK,
    _body_start,
    _expr,
    _has_super_init,
    _is_blank,
    _join_lines,
    _log_line,
    _not_call,
    _wrap,
    is_early_return,
)
from tvusage_lint.fix.python.plan import _Plan
from tvusage_lint.python.facts import HELPER


class _Apply(cst.CSTTransformer):
    def __init__(self, plan: _Plan, module_name: str) -> None:
        super().__init__()
        self.plan = plan
        self.top = module_name.split(".")[0]
        self.moved: dict[cst.FunctionDef, cst.BaseStatement] = {}  # def → its updated unit
        self.removing: set[cst.CSTNode] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Enter only the nodes above an edit; the rest of the tree is kept as it is."""
        return node in self.plan.paths

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = self.plan.new_args.get(original_node)
        if arg is None:
            return updated_node
        return updated_node.with_changes(
            func=cst.Name(HELPER),
            args=[cst.Arg(_expr(arg))],
            whitespace_after_func=cst.SimpleWhitespace(""),
            whitespace_before_args=cst.SimpleWhitespace(""),
        )

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        if original_node in self.plan.inits:
            return constructor.with_init(updated_node)
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        node: cst.BaseStatement = updated_node
        if original_node in self.plan.wraps:
            node = _wrap(updated_node, self.plan.wraps[original_node])
        return self._maybe_move(original_node, node)

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.BaseStatement:
        node = updated_node
        if original_node in self.plan.full_guards:
            node = node.with_changes(
                test=cst.BooleanOperation(
                    left=node.test, operator=cst.And(), right=_not_call("torch.jit.is_tracing")
                )
            )
        return self._maybe_move(original_node, node)

    def _maybe_move(
        self, original: cst.BaseStatement, node: cst.BaseStatement
    ) -> cst.BaseStatement:
        fn = self.plan.moves.get(original)
        if fn is not None:
            self.moved[fn] = node
            self.removing.add(node)
        return node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if not self.removing or not any(s in self.removing for s in updated_node.body):
            return updated_node
        body: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        for stmt in updated_node.body:
            if stmt in self.removing:
                carry = _join_lines(carry, stmt.leading_lines)
                continue
            if carry:
                stmt = stmt.with_changes(leading_lines=_join_lines(carry, stmt.leading_lines))
                carry = []
            body.append(stmt)
        footer = list(updated_node.footer)
        if carry:
            footer = [line for line in carry if not _is_blank(line)] + footer
        return updated_node.with_changes(body=body, footer=footer)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        plan = self.plan
        if original_node in plan.def_moves:
            unit = self.moved[original_node]
            style = plan.def_moves[original_node][1]
        elif original_node in plan.inserts:
            arg, style = plan.inserts[original_node]
            unit = _log_line(arg)
            block = updated_node.body
            if style == "wrap":
                indent = block.indent if isinstance(block, cst.IndentedBlock) else None
                unit = _wrap(unit, indent)
        else:
            return updated_node
        block = updated_node.body
        assert isinstance(block, cst.IndentedBlock)
        body = list(block.body)
        at = _anchor(body, style)
        if style == "after-early-return":
            unit = unit.with_changes(leading_lines=[_BLANK])
            if at < len(body):
                following = body[at]
                lines = following.leading_lines
                if not lines or not _is_blank(lines[0]):
                    body[at] = following.with_changes(leading_lines=[_BLANK, *lines])
        else:
            unit = unit.with_changes(leading_lines=())
        body.insert(at, unit)
        if len(body) == at + 2 and _bare_pass(body[at + 1]):
            del body[at + 1]  # the body was only ``pass``: the call takes its place
        return updated_node.with_changes(body=block.with_changes(body=body))

    def leave_TrailingWhitespace(
        self, original_node: cst.TrailingWhitespace, updated_node: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        comment = original_node.comment
        if comment is None or comment not in self.plan.comments:
            return updated_node
        text = _stripped(comment.value, self.plan.comments[comment])
        if text:
            return updated_node.with_changes(comment=cst.Comment(text))
        return updated_node.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine | cst.RemovalSentinel:
        comment = original_node.comment
        if comment is None or comment not in self.plan.comments:
            return updated_node
        text = _stripped(comment.value, self.plan.comments[comment])
        if text:
            return updated_node.with_changes(comment=cst.Comment(text))
        return cst.RemoveFromParent()

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        plan = self.plan
        if not plan.imports and not plan.need_torch:
            return updated_node
        body = list(updated_node.body)
        if plan.imports:
            source = plan.imports[0]
            merged = _merge_into(body, source)
            if merged is not None:
                body = merged
            else:
                group = _FIRST_PARTY if source.startswith(".") else _group_of(source, self.top)
                body = _place(body, _import_line(source), group, self.top)
        if plan.need_torch:
            torch_line = cst.SimpleStatementLine(
                body=[cst.Import(names=[cst.ImportAlias(cst.Name("torch"))])]
            )
            body = _place(body, torch_line, _group_of("torch", self.top), self.top)
        return updated_node.with_changes(body=body)


def _bare_pass(stmt: cst.BaseStatement) -> bool:
    """A ``pass`` line without comments."""
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Pass)
        and stmt.trailing_whitespace.comment is None
        and all(line.comment is None for line in stmt.leading_lines)
    )


def _anchor(body: list[cst.BaseStatement], style: str) -> int:
    start = _body_start(body)
    if style == "constructor":
        for i in range(start, len(body)):
            if _has_super_init(body[i]):
                return i + 1
    elif style == "after-early-return":
        if start < len(body) and is_early_return(body[start]):
            return start + 1
    return start


def _stripped(comment: str, codes: set[str] | None) -> str:
    """The comment without the suppression (or without ``codes``); "" when nothing is left."""
    rest = strip_comment(comment, codes, cpp=False).strip()
    if rest and not rest.startswith("#"):
        rest = "# " + rest
    return rest
