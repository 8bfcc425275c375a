"""Python source → plain facts, with the standard library ``ast`` only.

Facts depend on the file's text alone (never on its path or the rest of the
project), so they can be cached by content hash and computed in parallel.
Everything the rules need later is recorded here; the rules never see a tree.
"""

from __future__ import annotations

import ast
import bisect
import operator
from dataclasses import dataclass

from tvusage_lint.python.ast_util import Span, dotted, span_of
from tvusage_lint.python.layers import LayerHit
from tvusage_lint.python.op_calls import OpCall
from tvusage_lint.python.op_calls import scan as op_calls_scan

HELPER = "_log_api_usage_once"
TOO_DEEP = "too complex to parse: nested too deeply"

# Guard kinds, from the strongest to none.
GUARD_BOTH = "scripting+tracing"  # if not is_scripting() and not is_tracing(): log
GUARD_SCRIPTING = "scripting"  # if not is_scripting(): log
GUARD_EARLY_BOTH = "early-return+tracing"  # if is_scripting() or is_tracing(): return ...
GUARD_EARLY = "early-return"  # if is_scripting(): return ... ; then log
GUARD_NONE = "none"

# Argument forms of a logging call.
FORM_OBJECT = "object"  # _log_api_usage_once(self) / _log_api_usage_once(nms)
FORM_STRING = "string"  # _log_api_usage_once("torchvision.ops.boxes.nms")
FORM_TWO_ARGS = "two-args"  # _log_api_usage_once(self.__module__, self.__class__.__name__)
FORM_TORCH_C = "torch-c"  # torch._C._log_api_usage_once("...")
FORM_OTHER = "other"  # anything else (an expression we cannot read)

# A string expression as parts, kept so ``events`` can evaluate what a call emits
# (events.py, emission.py) without a tree: literal text, a name or attribute chain
# (``self.__class__.__name__``; ``type(x)`` is written ``x.__class__``), or anything
# else as its source text.
PART_TEXT = "s"
PART_NAME = "x"
PART_UNKNOWN = "?"
Part = tuple[str, str]

# What a statement of the helper's body does (HelperStep.action).
STEP_ASSIGN = "assign"  # target = value
STEP_RETURN = "return"  # return / raise: nothing emitted
STEP_EMIT = "emit"  # torch._C._log_api_usage_once(value)

# Conditions of the helper's ``if``s: (op, subject, operand); "!" before op negates.
COND_ISINSTANCE = "isinstance"  # isinstance(subject, operand)
COND_STARTSWITH = "startswith"  # subject.startswith("operand")
COND_JIT = "jit"  # torch.jit.is_scripting() / is_tracing(): false in eager runs
COND_UNKNOWN = "?"  # anything else: subject is its source text
Cond = tuple[str, str, str]

# Where a logging call sits.
SCOPE_MODULE = "module"
SCOPE_METHOD = "method"
SCOPE_FUNCTION = "function"  # a module-level function
SCOPE_NESTED = "nested"  # a function inside a function, or a class inside one


@dataclass(frozen=True, slots=True)
class LogCall:
    """One call of the logging helper (or of ``torch._C._log_api_usage_once``)."""

    span: Span
    stmt_span: Span  # the whole statement, or the guard ``if`` wrapping it
    form: str
    arg: str  # the dotted name for FORM_OBJECT; the joined strings otherwise
    guard: str
    scope: str
    owner: str  # qualname of the enclosing def ("" at module level)
    owner_class: str  # enclosing class name for methods
    stmt_index: int | None  # index in the owner's body when a top-level statement
    callee: str  # how the helper was named: "_log_api_usage_once", "utils._log_api_usage_once"
    # the positional arguments as string parts: what ``events`` evaluates (keywords: none)
    args: tuple[tuple[Part, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class HelperStep:
    """One statement of the helper's body that decides what it emits, under the
    conditions of the ``if``s around it (all must hold)."""

    action: str  # STEP_ASSIGN / STEP_RETURN / STEP_EMIT
    target: str  # the local name assigned (STEP_ASSIGN), else ""
    value: tuple[Part, ...]
    when: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class HelperFact:
    """A module-level definition of the logging helper, read for the string it passes to
    ``torch._C._log_api_usage_once``: each era's helper joined its arguments its own way
    (``f"torchvision.{module}.{name}"`` in Dec 2021, ``f"{module}.{name}"`` since), so
    events are evaluated with the tree's own definition, never an assumed one."""

    params: tuple[str, ...]  # positional parameters, in order
    steps: tuple[HelperStep, ...]


@dataclass(frozen=True, slots=True)
class Decorator:
    name: str  # dotted name of the decorator (call target for ``@d(...)``)
    first_arg: str  # dotted name of the first positional argument, if a name


@dataclass(frozen=True, slots=True)
class FunctionFact:
    name: str
    qualname: str  # "nms", "ResNet.__init__"
    span: Span  # from the ``def`` keyword (decorators excluded)
    first_line: int  # first decorator line, else the def line
    decorators: tuple[Decorator, ...]
    body_start: int  # index of the first statement after the docstring
    preamble_end: int  # index after the docstring and any leading local imports
    super_init_index: int | None  # top-level statement holding ``super().__init__(...)``
    calls_super_init: bool  # anywhere in the body
    early_return_index: int | None  # ``if torch.jit.is_scripting(): return ...``
    early_return_kind: str  # GUARD_EARLY / GUARD_EARLY_BOTH / ""
    returns: tuple[str, ...]  # dotted names of calls whose results are returned
    calls: tuple[str, ...]  # names called in the body (only for registered functions)


@dataclass(frozen=True, slots=True)
class ClassFact:
    name: str
    span: Span
    first_line: int
    bases: tuple[str, ...]  # dotted names (subscripts stripped: ``data.Dataset[T]``)
    init: FunctionFact | None
    methods: tuple[str, ...]
    nested: bool  # defined inside a function
    decorators: tuple[str, ...] = ()  # dotted names (call target for ``@d(...)``)


@dataclass(frozen=True, slots=True)
class ImportFact:
    module: str  # "torch.nn" / "" for ``from . import x``
    level: int  # relative depth, 0 for absolute
    names: tuple[tuple[str, str], ...]  # (name, bound-as); ("*", "*") for star imports
    is_from: bool
    line: int
    end_line: int
    top_level: bool


@dataclass(frozen=True, slots=True)
class PyFacts:
    """Everything one Python file tells the rules."""

    error: str  # "" when the file parsed; otherwise a one-line reason
    error_line: int
    error_col: int
    imports: tuple[ImportFact, ...]
    all_names: tuple[str, ...] | None  # static __all__, None when absent or dynamic
    has_all: bool  # __all__ assigned at all (even dynamically)
    classes: tuple[ClassFact, ...]
    functions: tuple[FunctionFact, ...]  # module-level functions
    aliases: tuple[tuple[str, str], ...]  # module-level ``Name = dotted.name``
    registrations: tuple[tuple[str, str, str], ...]  # module-level ``reg(d, T)(kernel)``
    log_calls: tuple[LogCall, ...]
    helper_bound: bool  # the helper name is imported or defined in this file
    torch_bound: bool  # ``torch`` is a module-level name
    suppressions: tuple[tuple[int, tuple[str, ...]], ...]  # (line, codes); () = bare
    layers: tuple[LayerHit, ...] = ()  # hand-rolled torchvision.ops layers (TVU401-TVU405)
    op_calls: tuple[OpCall, ...] = ()  # ``torch.ops.<lib>.<op>(...)`` calls (python/op_calls.py)
    # (caller, callee): calls of this file's own module-level functions, kept only in files
    # that call an operator, so a private helper's operator reaches its public caller
    local_calls: tuple[tuple[str, str], ...] = ()
    helper: HelperFact | None = None  # this module's definition of the helper, if any


def _pickle_by_fields(cls: type) -> None:
    """Pickle as ``cls(*fields)``: the cache and the parse workers move ~500,000 facts per
    20,000 modules, and dataclasses' own state functions for slotted classes are Python
    loops that took half of a warm run (this is twice as fast both ways)."""
    get = operator.attrgetter(*cls.__slots__)
    if len(cls.__slots__) == 1:
        cls.__reduce__ = lambda self: (cls, (get(self),))  # type: ignore[method-assign]
    else:
        cls.__reduce__ = lambda self: (cls, get(self))  # type: ignore[method-assign]


for _cls in (
    Span,
    LogCall,
    HelperStep,
    HelperFact,
    Decorator,
    FunctionFact,
    ClassFact,
    ImportFact,
    PyFacts,
):
    _pickle_by_fields(_cls)


def failed(reason: str, line: int = 1, col: int = 0) -> PyFacts:
    return PyFacts(reason, line, col, (), None, False, (), (), (), (), (), False, False, (), ())


def base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):  # data.Dataset[T_co], Generic[T]
        node = node.value
    if isinstance(node, ast.Call):  # NamedTuple("X", ...) style bases
        node = node.func
    return dotted(node)


# --- guards -----------------------------------------------------------------


def _jit_check(node: ast.expr) -> str:
    """ "scripting" / "tracing" when ``node`` is ``torch.jit.is_scripting()`` etc."""
    if isinstance(node, ast.Call) and not node.args:
        name = dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in ("is_scripting", "is_tracing") and (name == last or "jit" in name):
            return "scripting" if last == "is_scripting" else "tracing"
    return ""


def _checks(test: ast.expr, negated: bool) -> set[str] | None:
    """The jit checks of ``a() or b()`` (or, negated, ``not a() and not b()`` and
    ``not (a() or b())``); None for any other expression."""
    if negated and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _checks(test.operand, False)
    if not negated:
        kind = _jit_check(test)
        if kind:
            return {kind}
    joiner = ast.And if negated else ast.Or
    if isinstance(test, ast.BoolOp) and isinstance(test.op, joiner):
        found: set[str] = set()
        for value in test.values:
            sub = _checks(value, negated)
            if sub is None:
                return None
            found |= sub
        return found
    return None


def _negated_checks(test: ast.expr) -> set[str] | None:
    return _checks(test, True)


def _positive_checks(test: ast.expr) -> set[str] | None:
    return _checks(test, False)


def wrap_guard_kind(test: ast.expr) -> str:
    checks = _negated_checks(test)
    if not checks or "scripting" not in checks:
        return ""
    return GUARD_BOTH if "tracing" in checks else GUARD_SCRIPTING


def early_return_kind(stmt: ast.stmt) -> str:
    """GUARD_EARLY(_BOTH) for ``if torch.jit.is_scripting(): return ...``."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not stmt.body:
        return ""
    checks = _positive_checks(stmt.test)
    if not checks or "scripting" not in checks:
        return ""
    if not isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
        return ""
    return GUARD_EARLY_BOTH if "tracing" in checks else GUARD_EARLY


# --- helper calls -------------------------------------------------------------


def _helper_call(node: ast.AST) -> tuple[str, str] | None:
    """(callee, form-hint) when ``node`` calls the logging helper."""
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func)
    if not name:
        return None
    if name == HELPER:
        return name, ""
    if name.endswith("." + HELPER):
        if name.endswith("_C." + HELPER):
            return name, FORM_TORCH_C
        return name, ""
    return None


def _call_form(call: ast.Call, hint: str) -> tuple[str, str]:
    if hint == FORM_TORCH_C:
        return FORM_TORCH_C, _literal_text(call.args)
    if call.keywords or not call.args:
        return FORM_OTHER, ""
    if len(call.args) >= 2:
        return FORM_TWO_ARGS, _literal_text(call.args)
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return FORM_STRING, arg.value
    if isinstance(arg, ast.JoinedStr):
        return FORM_STRING, _literal_text(call.args)
    name = dotted(arg)
    if name:
        return FORM_OBJECT, name
    return FORM_OTHER, ""


def _reference(node: ast.expr) -> str:
    """``self.__class__.__name__`` for names and attribute chains, with ``type(x)`` read as
    ``x.__class__``; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _reference(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = _reference(node.args[0])
        return f"{inner}.__class__" if inner else ""
    return ""


def _concatenation(node: ast.expr) -> bool:
    """``a + b`` where one side is visibly a string (so ``+`` joins, never adds)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return False
    return any(
        (isinstance(side, ast.Constant) and isinstance(side.value, str))
        or isinstance(side, ast.JoinedStr)
        or _concatenation(side)
        for side in (node.left, node.right)
    )


def string_parts(node: ast.expr) -> tuple[Part, ...]:
    """A string expression as parts: literals, f-strings, ``+`` and names are kept apart;
    any other expression is one unknown part holding its source text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ((PART_TEXT, node.value),)
    if isinstance(node, ast.JoinedStr):
        parts: list[Part] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append((PART_TEXT, value.value))
            elif (
                isinstance(value, ast.FormattedValue)
                and value.format_spec is None
                and value.conversion in (-1, ord("s"))
            ):
                parts.extend(string_parts(value.value))
            else:
                return ((PART_UNKNOWN, ast.unparse(node)),)
        return tuple(parts)
    if _concatenation(node):
        assert isinstance(node, ast.BinOp)
        return string_parts(node.left) + string_parts(node.right)
    name = _reference(node)
    if name:
        return ((PART_NAME, name),)
    return ((PART_UNKNOWN, ast.unparse(node)),)


def _condition(test: ast.expr) -> Cond:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        op, subject, operand = _condition(test.operand)
        return (op[1:] if op.startswith("!") else "!" + op), subject, operand
    if _positive_checks(test):
        return COND_JIT, "", ""
    if isinstance(test, ast.Call) and not test.keywords:
        func = dotted(test.func)
        if func == "isinstance" and len(test.args) == 2:
            subject, kind = _reference(test.args[0]), dotted(test.args[1])
            if subject and kind:
                return COND_ISINSTANCE, subject, kind
        if (
            isinstance(test.func, ast.Attribute)
            and test.func.attr == "startswith"
            and len(test.args) == 1
            and isinstance(test.args[0], ast.Constant)
            and isinstance(test.args[0].value, str)
        ):
            subject = _reference(test.func.value)
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
            found = _helper_call(stmt.value)
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
            for field in _BLOCKS:
                block = getattr(stmt, field, None) or []
                if field == "handlers":
                    block = [s for h in block for s in h.body]
                _helper_steps(block, (*when, unknown), out)


def _arguments(call: ast.Call) -> tuple[tuple[Part, ...], ...]:
    """Each argument as string parts; with keywords or ``*args`` the binding to the helper's
    parameters is not followed: every argument is then unknown (its source text)."""
    if not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args):
        return tuple(string_parts(a) for a in call.args)
    texts = [ast.unparse(a) for a in call.args]
    texts += [f"{k.arg}={ast.unparse(k.value)}" if k.arg else ast.unparse(k) for k in call.keywords]
    return tuple(((PART_UNKNOWN, text),) for text in texts)


def helper_fact(node: ast.FunctionDef | ast.AsyncFunctionDef) -> HelperFact:
    args = node.args
    params = tuple(a.arg for a in (*args.posonlyargs, *args.args))
    steps: list[HelperStep] = []
    _helper_steps(node.body, (), steps)
    return HelperFact(params, tuple(steps))


def _literal_text(args: list[ast.expr]) -> str:
    parts = []
    for arg in args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts.append(arg.value)
        else:
            parts.append(ast.unparse(arg))
    return ".".join(parts)


# --- the walk -------------------------------------------------------------------


def _docstring_offset(body: list[ast.stmt]) -> int:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return 1
    return 0


def _is_super_init(stmt: ast.stmt) -> bool:
    """``super().__init__(...)``, ``super(C, self).__init__(...)``, ``Base.__init__(self, ...)``."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    return _is_super_init_call(stmt.value)


def _is_super_init_call(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return False
    target = func.value
    if isinstance(target, ast.Call) and dotted(target.func) == "super":
        return True
    if dotted(target) and call.args and dotted(call.args[0]) == "self":
        return True
    return False


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(body: list[ast.stmt]):
    """Every statement of ``body`` and its blocks, not entering nested defs/classes."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in _BLOCKS:
            block = getattr(stmt, field, None)
            if block:
                stack.extend(reversed(block))


def _returned_calls(body: list[ast.stmt]) -> tuple[str, ...]:
    """Dotted names of calls whose results a function returns (one level of locals)."""
    assigned: dict[str, list[str]] = {}
    returned: list[ast.expr] = []
    for stmt in _statements(body):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            returned.append(stmt.value)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            name = dotted(stmt.value.func)
            if name:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(name)
    out: list[str] = []
    for value in returned:
        if isinstance(value, ast.Call):
            name = dotted(value.func)
            if name:
                out.append(name)
        elif isinstance(value, ast.Name):
            out.extend(assigned.get(value.id, ()))
    return tuple(dict.fromkeys(out))


def _function_fact(node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str) -> FunctionFact:
    body = node.body
    start = _docstring_offset(body)
    super_index = None
    early_index = None
    early_kind = ""
    for i in range(start, len(body)):
        stmt = body[i]
        if (
            super_index is None
            and node.name == "__init__"
            and any(_is_super_init(s) for s in _statements([stmt]))
        ):
            super_index = i
        if early_index is None:
            kind = early_return_kind(stmt)
            if kind:
                early_index, early_kind = i, kind
    preamble = start
    while preamble < len(body) and isinstance(body[preamble], (ast.Import, ast.ImportFrom)):
        preamble += 1
    calls_super = super_index is not None or (
        node.name == "__init__" and any(_is_super_init(stmt) for stmt in _statements(body))
    )
    decorators = []
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call):
            first = dotted(dec.args[0]) if dec.args else ""
            decorators.append(Decorator(dotted(dec.func), first))
        else:
            decorators.append(Decorator(dotted(dec), ""))
    first_line = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return FunctionFact(
        name=node.name,
        qualname=qualname,
        span=span_of(node),
        first_line=first_line,
        decorators=tuple(decorators),
        body_start=start,
        preamble_end=preamble,
        super_init_index=super_index,
        calls_super_init=calls_super,
        early_return_index=early_index,
        early_return_kind=early_kind,
        returns=_returned_calls(body) if not node.name.startswith("__") else (),
        calls=_called_names(node) if any(d.first_arg for d in decorators) else (),
    )


def _called_names(node: ast.AST) -> tuple[str, ...]:
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = dotted(sub.func)
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))


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


class _Collector:
    def __init__(self, helper_lines: list[int]) -> None:
        self.helper_lines = helper_lines
        self.imports: list[ImportFact] = []
        self.classes: list[ClassFact] = []
        self.functions: list[FunctionFact] = []
        self.aliases: list[tuple[str, str]] = []
        self.registrations: list[tuple[str, str, str]] = []
        self.log_calls: list[LogCall] = []
        self.helper: HelperFact | None = None
        self.all_names: list[str] | None = None
        self.all_static = True
        self.has_all = False
        self.bound: set[str] = set()

    # Module level: statements may sit inside if/try/with blocks.
    def module(self, tree: ast.Module) -> None:
        self._module_block(tree.body)
        self._log_calls_in(tree.body, scope=SCOPE_MODULE, owner="", owner_class="", top=False)

    def _module_block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.bound.add(stmt.name)
                self.functions.append(_function_fact(stmt, stmt.name))
                if stmt.name == HELPER:
                    self.helper = helper_fact(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.bound.add(stmt.name)
                self.classes.append(self._class(stmt, nested=False))
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self._import(stmt, top_level=True)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                self._assign(stmt)
            elif isinstance(stmt, ast.Expr):
                self._all_extend(stmt)
                found = _registration(stmt)
                if found:
                    self.registrations.append(found)
            elif isinstance(stmt, ast.If):
                self._module_block(stmt.body)
                self._module_block(stmt.orelse)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                self._module_block(stmt.body)  # type: ignore[attr-defined]
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    self._module_block(handler.body)
                self._module_block(stmt.orelse)  # type: ignore[attr-defined]
                self._module_block(stmt.finalbody)  # type: ignore[attr-defined]
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                self._module_block(stmt.body)

    def _import(self, stmt: ast.Import | ast.ImportFrom, top_level: bool) -> None:
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
                    init = _function_fact(stmt, f"{node.name}.__init__")
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

    # Logging calls, anywhere, with the scope that owns them.
    def _log_calls_in(
        self, body: list[ast.stmt], scope: str, owner: str, owner_class: str, top: bool
    ) -> None:
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
                        self._log_calls_in([inner], SCOPE_NESTED, owner, stmt.name, top=False)
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
                self._import(stmt, top_level=False)
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
        self._log_calls_in(node.body, scope, qual, owner_class if in_class else "", top=True)

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
                    if isinstance(inner, ast.Expr) and _helper_call(inner.value):
                        self._record(inner.value, scope, owner, owner_class, index, wrap, stmt)
                    else:
                        self._scan_nested(inner, scope, owner, owner_class)
                for inner in stmt.orelse:
                    self._scan_nested(inner, scope, owner, owner_class)
                return
        if isinstance(stmt, ast.Expr) and _helper_call(stmt.value):
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
                self._log_calls_in([child], scope, owner, owner_class, top=False)
                continue
            if isinstance(child, ast.stmt):
                self._scan_stmt(child, scope, owner, owner_class, None, GUARD_NONE, child)
            else:
                self._scan_expr(child, scope, owner, owner_class)

    def _scan_expr(self, node: ast.AST, scope: str, owner: str, owner_class: str) -> None:
        if not hasattr(node, "lineno") or not self._mentions_helper(node):
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and _helper_call(sub):
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
        found = _helper_call(call)
        assert found is not None
        callee, hint = found
        if owner.rsplit(".", 1)[-1] == HELPER:
            return  # the helper's own implementation
        form, arg = _call_form(call, hint)
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
                args=_arguments(call),
            )
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


def decode(data: bytes) -> str:
    """Source bytes → text, honouring a PEP 263 coding line; raises on failure."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def extract(data: bytes, *, layers: bool = True) -> PyFacts:
    """Parse ``data`` and collect its facts; never raises for bad input.

    ``layers=False`` skips the scan for hand-rolled layers (TVU401-TVU405, off by
    default); the engine asks for it only when one of those rules is selected."""
    if b"\x00" in data:
        return failed("binary file (contains NUL bytes)")
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return failed(f"cannot decode: {exc}".splitlines()[0])
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        return failed(f"syntax error: {msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0))
    except (RecursionError, MemoryError):
        # CPython's words differ by version (3.10: a MemoryError without a message;
        # 3.11: "maximum recursion depth exceeded during ast construction"; 3.13:
        # "Parser stack overflowed - ..."): one message of ours for all of them
        return failed(TOO_DEEP)
    except ValueError as exc:
        return failed(f"cannot parse: {exc}".splitlines()[0])
    helper_lines = []
    pos, line, counted = text.find(HELPER), 1, 0
    while pos != -1:
        line += text.count("\n", counted, pos)
        counted = pos
        helper_lines.append(line)
        pos = text.find(HELPER, pos + 1)
    collector = _Collector(helper_lines)
    try:
        collector.module(tree)
    except RecursionError:
        return failed(TOO_DEEP)
    from tvusage_lint.python.layers import scan as scan_layers
    from tvusage_lint.suppressions import scan_python

    try:
        hits = scan_layers(tree, text) if layers else ()
        op_calls, local_calls = op_calls_scan(tree, text, collector.aliases, collector.imports)
    except RecursionError:
        return failed(TOO_DEEP)
    return PyFacts(
        error="",
        error_line=0,
        error_col=0,
        imports=tuple(collector.imports),
        all_names=tuple(collector.all_names)
        if collector.all_names is not None and collector.all_static
        else None,
        has_all=collector.has_all,
        classes=tuple(collector.classes),
        functions=tuple(collector.functions),
        aliases=tuple(collector.aliases),
        registrations=tuple(collector.registrations),
        log_calls=tuple(collector.log_calls),
        helper_bound=HELPER in collector.bound,
        torch_bound="torch" in collector.bound,
        suppressions=scan_python(text),
        layers=hits,
        op_calls=op_calls,
        local_calls=local_calls,
        helper=collector.helper,
    )
