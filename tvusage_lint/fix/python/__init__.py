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

This module is imported only when fixing, so it may import libcst at the top.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tvusage_lint import budget
from tvusage_lint.findings import Finding
from tvusage_lint.fix import ACTIONS, FixResult, constructor, wanted
from tvusage_lint.fix.verify import check
from tvusage_lint.fix.verify import is_log_call as is_log_call_ast
from tvusage_lint.python.facts import HELPER, dotted
from tvusage_lint.suppressions import strip_comment

STYLES = ("constructor", "wrap", "after-early-return")


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


# --- reading libcst nodes ---------------------------------------------------------------


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


# --- building libcst nodes ---------------------------------------------------------------


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


def _parse_import(source: str) -> tuple[int, str]:
    """``"..utils"`` → (2, "utils"); ``"torchvision.utils"`` → (0, "torchvision.utils")."""
    stripped = source.lstrip(".")
    return len(source) - len(stripped), stripped


def _import_line(source: str) -> cst.SimpleStatementLine:
    level, name = _parse_import(source)
    return cst.SimpleStatementLine(
        body=[
            cst.ImportFrom(
                module=_expr(name) if name else None,
                names=[cst.ImportAlias(cst.Name(HELPER))],
                relative=[cst.Dot()] * level,
            )
        ]
    )


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _merge_alias(node: cst.ImportFrom) -> cst.ImportFrom:
    """``node`` with the helper added to its names: sorted in when they are sorted."""
    assert not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    keys = [_dotted(a.name).casefold() for a in aliases]
    at = len(aliases)
    if keys == sorted(keys):
        at = next((i for i, k in enumerate(keys) if k > HELPER.casefold()), len(aliases))
    if len(aliases) >= 2 and isinstance(aliases[0].comma, cst.Comma):
        sep: cst.Comma = aliases[0].comma
    elif node.lpar is not None and isinstance(
        node.lpar.whitespace_after, cst.ParenthesizedWhitespace
    ):
        sep = cst.Comma(whitespace_after=node.lpar.whitespace_after)
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = cst.ImportAlias(cst.Name(HELPER))
    if at < len(aliases):
        aliases.insert(at, new.with_changes(comma=sep))
    else:
        last = aliases[-1]
        aliases[-1] = last.with_changes(comma=sep)
        aliases.append(new.with_changes(comma=last.comma))
    return node.with_changes(names=aliases)


# --- where things are: defs, logging calls, comments ---------------------------------------


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


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    new_args: dict[cst.Call, str] = field(default_factory=dict)
    wraps: dict[cst.SimpleStatementLine, str | None] = field(default_factory=dict)  # → indent
    full_guards: set[cst.If] = field(default_factory=set)
    moves: dict[cst.BaseStatement, cst.FunctionDef] = field(default_factory=dict)
    def_moves: dict[cst.FunctionDef, tuple[cst.BaseStatement, str]] = field(default_factory=dict)
    inserts: dict[cst.FunctionDef, tuple[str, str]] = field(default_factory=dict)  # arg, style
    inits: set[cst.ClassDef] = field(default_factory=set)  # classes given a logging __init__
    comments: dict[cst.Comment, set[str] | None] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)
    need_torch: bool = False
    paths: set[cst.CSTNode] = field(default_factory=set)  # every node above an edit


class _Skip(Exception):
    """A finding the fixer cannot carry out; the message is the reason."""


class _Planner:
    def __init__(self, module: cst.Module, index: _Index, module_name: str) -> None:
        self.module = module
        self.index = index
        self.module_name = module_name
        self.plan = _Plan(paths={module})
        names = _module_names(module.body)
        self.helper_bound = HELPER in names
        self.torch_bound = "torch" in names

    def run(self, findings: list[Finding]) -> tuple[list[Finding], list[tuple[Finding, str]]]:
        applied: list[Finding] = []
        skipped: list[tuple[Finding, str]] = []
        # Inserts last: a rewrite or move planned in the same def already logs there.
        order = sorted(
            range(len(findings)),
            key=lambda i: findings[i].fix is not None and findings[i].fix.action == "insert-log",
        )
        outcome: dict[int, str] = {}
        for i in order:
            fix = findings[i].fix
            assert fix is not None
            if fix.action not in ACTIONS:
                outcome[i] = f"unknown fix action `{fix.action}`"
                continue
            handler = getattr(self, "_" + fix.action.replace("-", "_"))
            try:
                handler(findings[i])
            except _Skip as why:
                outcome[i] = str(why)
            else:
                outcome[i] = ""
        for i, finding in enumerate(findings):
            if outcome[i]:
                skipped.append((finding, outcome[i]))
            else:
                applied.append(finding)
        return applied, skipped

    # --- lookups

    def _param(self, finding: Finding, key: str) -> str:
        assert finding.fix is not None
        return finding.fix.param(key)

    def _def(self, finding: Finding) -> cst.FunctionDef:
        assert finding.fix is not None
        target = finding.fix.target
        fn = self.index.defs.get(target)
        if fn is None:
            raise _Skip(f"no definition `{target}` in this file")
        if not isinstance(fn.body, cst.IndentedBlock):
            raise _Skip(f"`{target}` has a one-line body")
        return fn

    def _int(self, finding: Finding, key: str) -> int:
        try:
            return int(self._param(finding, key))
        except ValueError:
            raise _Skip(f"the fix has no valid `{key}`") from None

    def _site(self, finding: Finding) -> _Site:
        line, col = self._int(finding, "line"), self._int(finding, "col")
        site = self.index.sites.get((line, col))
        if site is None and (line, col) in self.index.in_expressions:
            raise _Skip("the call is part of an expression, not a statement of its own")
        if site is None:
            on_line = [s for (n, _), s in self.index.sites.items() if n == line]
            if len(on_line) != 1:
                raise _Skip(f"no logging call at {line}:{col + 1}")
            site = on_line[0]
        return site

    def _style(
        self, finding: Finding, fn: cst.FunctionDef, moving: cst.CSTNode | None = None
    ) -> str:
        style = self._param(finding, "style")
        if style not in STYLES:
            raise _Skip(f"unknown style `{style}`")
        if style == "after-early-return":
            body = [stmt for stmt in fn.body.body if stmt is not moving]
            start = _body_start(body)
            if not (start < len(body) and is_early_return(body[start])):
                raise _Skip(
                    f"`{fn.name.value}` does not start with `if torch.jit.is_scripting(): return ...`"
                )
        return style

    def _want_import(self, source: str) -> None:
        if source and not self.helper_bound and source not in self.plan.imports:
            if not self._is_self(source):
                self.plan.imports.append(source)

    def _is_self(self, source: str) -> bool:
        """Whether ``source`` names this very module (read as a module, not a package)."""
        level, name = _parse_import(source)
        if not level:
            return source == self.module_name
        package = self.module_name.split(".")[:-1]
        if level - 1 > len(package):
            return False
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, name] if name else base) == self.module_name

    def _want_torch(self) -> None:
        if not self.torch_bound:
            self.plan.need_torch = True

    # --- actions

    def _insert_log(self, finding: Finding) -> None:
        fn = self._def(finding)
        arg = self._param(finding, "arg")
        if not arg or not all(part.isidentifier() for part in arg.split(".")):
            raise _Skip(f"cannot log `{arg}`")
        logged = [a for stmt in fn.body.body for a in _logged_args(stmt)]
        if arg in logged or fn in self.plan.def_moves:
            raise _Skip("already logged")
        if any(
            site.fn is fn and site.call in self.plan.new_args and site.unit_holder is fn.body
            for site in self.index.sites.values()
        ):
            raise _Skip("already logged")
        if logged:  # a second call would log twice; the rules report the first one
            raise _Skip(f"`{fn.name.value}` already has a logging call; fix that one instead")
        style = self._style(finding, fn)
        planned = self.plan.inserts.get(fn)
        if planned is not None and planned != (arg, style):
            raise _Skip(f"another fix inserts `{planned[0]}` in `{fn.name.value}`")
        self.plan.inserts[fn] = (arg, style)
        self.plan.paths.update(self.index.def_stacks[fn])
        if style == "wrap":
            self._want_torch()
        self._want_import(self._param(finding, "import"))

    def _add_init(self, finding: Finding) -> None:
        assert finding.fix is not None
        target = finding.fix.target
        node, stack = self.index.classes.get(target, (None, []))
        if node is None:
            raise _Skip(f"no class `{target}` in this file")
        if not isinstance(node.body, cst.IndentedBlock):
            raise _Skip(f"`{target}` has a one-line body")
        if constructor.has_init(node):
            raise _Skip(f"`{target}` already has a constructor")
        self.plan.inits.add(node)
        self.plan.paths.update(stack)
        self._want_import(self._param(finding, "import"))

    def _rewrite_log(self, finding: Finding) -> None:
        site = self._site(finding)
        arg = self._param(finding, "arg")
        if not arg or not all(part.isidentifier() for part in arg.split(".")):
            raise _Skip(f"cannot log `{arg}`")
        if not site.is_stmt:
            raise _Skip(site.shared)
        wrap = self._param(finding, "guard") == "wrap" and site.guard is None
        if wrap and site.line is None:
            raise _Skip(f"cannot wrap it: {site.shared}")
        planned = self.plan.new_args.get(site.call)
        if planned is not None and planned != arg:
            raise _Skip(f"another fix rewrites this call to log `{planned}`")
        self.plan.new_args[site.call] = arg
        self.plan.paths.update(site.stack)
        if wrap:
            assert site.line is not None
            self.plan.wraps[site.line] = site.indent
            self._want_torch()
        self._want_import(self._param(finding, "import"))

    def _wrap_log(self, finding: Finding) -> None:
        site = self._site(finding)
        if site.guard is not None:
            raise _Skip("already guarded")
        if site.line is None:
            raise _Skip(site.shared)
        self.plan.wraps[site.line] = site.indent
        self.plan.paths.update(site.stack)
        self._want_torch()

    def _rewrite_guard(self, finding: Finding) -> None:
        site = self._site(finding)
        if site.guard is None:
            raise _Skip("the call is not inside an `if not torch.jit.is_scripting():` guard")
        if guard_kind(site.guard) != "scripting":
            raise _Skip("the guard already checks `torch.jit.is_tracing()`")
        self.plan.full_guards.add(site.guard)
        self.plan.paths.update(site.stack)
        self._want_torch()

    def _move_log(self, finding: Finding) -> None:
        site = self._site(finding)
        fn = site.fn
        unit, holder = site.unit, site.unit_holder
        if fn is None or not isinstance(fn.body, cst.IndentedBlock):
            raise _Skip("the call is not inside a function body")
        if unit is None:
            raise _Skip(site.shared or "the call is not a statement of its own")
        if not isinstance(holder, cst.IndentedBlock):
            raise _Skip("the call is not in an indented block")
        if holder is not fn.body and len(holder.body) == 1:
            raise _Skip("moving the call would leave an empty block")
        style = self._style(finding, fn, moving=unit)
        planned = self.plan.def_moves.get(fn)
        if planned is not None:
            if planned[0] is unit and planned[1] == style:
                return
            raise _Skip(f"another logging call is moved in `{fn.name.value}`")
        self.plan.moves[unit] = fn
        self.plan.paths.update(site.stack)
        self.plan.def_moves[fn] = (unit, style)

    def _add_import(self, finding: Finding) -> None:
        source = self._param(finding, "import")
        if not source:
            raise _Skip("the fix names no module to import from")
        if self.helper_bound:
            raise _Skip("already imported")
        if self._is_self(source):
            raise _Skip(f"`{source}` is this module; define `{HELPER}` here instead")
        self._want_import(source)

    def _remove_suppression(self, finding: Finding) -> None:
        line = self._int(finding, "line")
        comment, stack = self.index.comments.get(line, (None, []))
        raw = self._param(finding, "codes")
        codes = {c.strip().upper() for c in raw.split(",") if c.strip()} or None
        if comment is None or strip_comment(comment.value, codes, cpp=False) == comment.value:
            raise _Skip(f"no suppression comment on line {line}")
        self.plan.paths.update(stack)
        if comment in self.plan.comments:
            before = self.plan.comments[comment]
            codes = None if before is None or codes is None else before | codes
        self.plan.comments[comment] = codes


# --- applying the plan --------------------------------------------------------------------------


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


_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY = range(4)


def _group_of(module: str, top: str) -> int:
    """The import block a module belongs to (isort's sections)."""
    head = module.split(".")[0]
    if head == "__future__":
        return _FUTURE
    if head == top:
        return _FIRST_PARTY
    if head in sys.stdlib_module_names:
        return _STDLIB
    return _THIRD_PARTY


def _line_group(stmt: cst.SimpleStatementLine, top: str) -> int:
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        if node.relative:
            return _FIRST_PARTY
        return _group_of(_dotted(node.module), top)
    assert isinstance(node, cst.Import)
    return _group_of(_dotted(node.names[0].name), top)


def _place(
    body: list[cst.BaseStatement], line: cst.SimpleStatementLine, group: int, top: str
) -> list[cst.BaseStatement]:
    """``body`` with the import ``line`` among the leading imports.

    It joins the block (imports without a blank line between them) that holds
    imports like it (relative ones, or from the same package), sorted in when
    that block is sorted as usort and isort leave it, else last. Without such a
    block it goes after the last import of its isort section or before.
    """
    imports: list[tuple[int, int]] = []  # (index, group) of the imports above the first def
    blocks: list[list[int]] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(stmt, cst.SimpleStatementLine) and _is_import_line(stmt):
            imports.append((i, _line_group(stmt, top)))
            joined = any(_is_blank(x) for x in stmt.leading_lines)
            if blocks and blocks[-1][-1] == i - 1 and not joined:
                blocks[-1].append(i)
            else:
                blocks.append([i])
    out = list(body)
    kind = _kind(line)
    alike = [block for block in blocks if any(_kind(out[i]) == kind for i in block)]
    if alike:
        block = alike[-1]
        keys = [_sort_key(out[i]) for i in block]
        key = _sort_key(line)
        after = [i for i, k in zip(block, keys) if k > key] if keys == sorted(keys) else []
        if not after:
            out.insert(block[-1] + 1, line)
            return out
        at = after[0]
        following = out[at]
        lines = list(following.leading_lines)
        head = 0
        while head < len(lines) and _is_blank(lines[head]):
            head += 1
        out[at] = following.with_changes(leading_lines=lines[head:])
        out.insert(at, line.with_changes(leading_lines=lines[:head]))
        return out
    before = [(i, g) for i, g in imports if g <= group]
    if before:
        at, previous = before[-1]
        blank = previous != group
        out.insert(at + 1, line.with_changes(leading_lines=[_BLANK] if blank else ()))
        return out
    if imports:  # every import belongs after this one: go first, keep their comments above
        at = imports[0][0]
        first = out[at]
        out[at] = first.with_changes(leading_lines=[_BLANK])
        out.insert(at, line.with_changes(leading_lines=first.leading_lines))
        return out
    at = _body_start(out)
    out.insert(at, line.with_changes(leading_lines=[_BLANK] if at else ()))
    if at + 1 < len(out) and not out[at + 1].leading_lines:
        following = out[at + 1]
        blanks = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
        out[at + 1] = following.with_changes(leading_lines=[_BLANK] * blanks)
    return out


def _kind(stmt: cst.BaseStatement) -> str:
    """What makes two import lines alike: "." for relative ones, else the top package."""
    assert isinstance(stmt, cst.SimpleStatementLine)
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        return "." if node.relative else _dotted(node.module).split(".")[0]
    assert isinstance(node, cst.Import)
    return _dotted(node.names[0].name).split(".")[0]


def _sort_key(stmt: cst.BaseStatement) -> tuple[int, str]:
    """usort's order of import lines: more leading dots first, then by module."""
    assert isinstance(stmt, cst.SimpleStatementLine)
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        return -len(node.relative), _dotted(node.module).casefold()
    assert isinstance(node, cst.Import)
    return 0, _dotted(node.names[0].name).casefold()


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


def _merge_into(body: list[cst.BaseStatement], source: str) -> list[cst.BaseStatement] | None:
    """``body`` with the helper added to an existing ``from <source> import ...``; None if none."""
    level, name = _parse_import(source)
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        node = stmt.body[0]
        if (
            isinstance(node, cst.ImportFrom)
            and not isinstance(node.names, cst.ImportStar)
            and len(node.relative) == level
            and _dotted(node.module) == name
        ):
            out = list(body)
            out[i] = stmt.with_changes(body=[_merge_alias(node)])
            return out
    return None


def _stripped(comment: str, codes: set[str] | None) -> str:
    """The comment without the suppression (or without ``codes``); "" when nothing is left."""
    rest = strip_comment(comment, codes, cpp=False).strip()
    if rest and not rest.startswith("#"):
        rest = "# " + rest
    return rest
