"""The fact types of a Python file: frozen dataclasses, and the constants their fields hold.

Everything the rules, the index and the events read of a file is one of these; the
extraction (the rest of ``python.facts``) builds them from a tree. This module imports
nothing of the extraction, so a module the extraction calls (``op_calls``) can name the
types without a circle. A new or changed field changes the cache's schema by itself.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from tvusage_lint.python.ast_util import Span
from tvusage_lint.python.layers import LayerHit

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


@dataclass(frozen=True)
class OpCall:
    """A call of a registered C++ operator: ``torch.ops.torchvision.roi_align(...)``."""

    # qualname of the enclosing def ("roi_align", "RoIAlign.forward"); "" at module level
    owner: str
    library: str  # "torchvision", "image"
    op: str  # "roi_align" (an overload, ``.default``, is dropped)
    line: int


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
