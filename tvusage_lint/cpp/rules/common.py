"""What the C++ rule units share: entry points from registrations, the event, the macro.

TVU301–TVU303: C++ entry points must log ``C10_LOG_API_USAGE_ONCE("<event>")``
first. Entry points come from the registrations, never from a list of names:

- a function registered as an operator, ``RegisterOperators().op("image::decode_png",
  &decode_png)`` or ``m.def("read_video_from_file", read_video_from_file)``,
  wherever it is defined (the registration usually lives in another file, so
  the engine passes a :class:`Registry` built from every csrc file's facts);
- the front end of a schema-only registration, ``m.def("torchvision::nms(...)")``:
  the function ``nms`` (or ``nms_symint``) defined in the same file;
- the constructors of a class registered with ``torch::class_<C>``.

``m.impl(...)`` registers a kernel, not an entry point. A stable-ABI unit
(``cpp/stable.py``) has no entry points here: it cannot call the macro, and
its operators are linked to their Python callers instead (``link/operators.py``).
A name, or an operator name, starting with ``_`` is private. A feature stub (a
body that only raises, ``#if !PNG_FOUND``) is not an entry point: the real
definition in the other branch is.

A unit gets a :class:`Site`: one function of a legacy unit, either an entry
point or a function that logs without being one (a stray call).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tvusage_lint.cpp.facts import (
    KIND_CONSTRUCTOR,
    KIND_DESTRUCTOR,
    KIND_FUNCTION,
    KIND_METHOD,
    MACRO,
    REG_CLASS,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    CppFacts,
    Function,
    op_base,
)
from tvusage_lint.core.findings import Edit

FUNCTION = "cpp.function"  # run(site: Site) -> Finding | None

COLUMN_LIMIT = 80  # torchvision's .clang-format (Google style): longer calls are wrapped
SYMINT = "_symint"


@dataclass(frozen=True)
class Registry:
    """Operator and class registrations of the whole csrc tree.

    ``functions`` holds (scope, target, op) and ``classes`` (scope, class):
    the target as written at the registration and the namespace around it.
    """

    functions: frozenset[tuple[str, str, str]] = frozenset()
    classes: frozenset[tuple[str, str]] = frozenset()


def build_registry(all_facts: Iterable[CppFacts]) -> Registry:
    functions: set[tuple[str, str, str]] = set()
    classes: set[tuple[str, str]] = set()
    for facts in all_facts:
        for reg in getattr(facts, "registrations", ()):
            if reg.kind in (REG_OP, REG_DEF):
                functions.add((reg.scope, reg.target, reg.op))
            elif reg.kind == REG_CLASS:
                classes.add((reg.scope, reg.target))
    return Registry(frozenset(functions), frozenset(classes))


def resolves(scope: str, written: str, qualname: str) -> bool:
    """``written`` named inside namespace ``scope`` can mean ``qualname`` (C++ lookup outward)."""
    parts = scope.split("::") if scope else []
    for i in range(len(parts), -1, -1):
        prefix = "::".join(parts[:i])
        if (f"{prefix}::{written}" if prefix else written) == qualname:
            return True
    return False


def module_of(csrc_rel: str, package: str) -> str:
    """``ops/nms.cpp`` → ``torchvision.csrc.ops.nms``."""
    stem = csrc_rel.rsplit(".", 1)[0] if "." in csrc_rel.rsplit("/", 1)[-1] else csrc_rel
    return f"{package}.csrc." + stem.replace("/", ".")


def subpackage_of(csrc_rel: str) -> str:
    """The first folder under csrc (``ops``, ``io``); ``csrc`` for files at its top."""
    return csrc_rel.split("/", 1)[0] if "/" in csrc_rel else "csrc"


def base_name(function: Function) -> str:
    """The name the event uses: the class for a constructor, ``roi_align`` for ``roi_align_symint``."""
    name = function.name
    if name.endswith(SYMINT) and len(name) > len(SYMINT):
        return name[: -len(SYMINT)]
    return name


@dataclass(frozen=True)
class Point:
    function: Function
    private: bool


def entry_points(facts: CppFacts, registry: Registry) -> list[Point]:
    """The functions of this file the policy wants logged (stubs left out)."""
    schemas = [r for r in facts.registrations if r.kind == REG_SCHEMA]
    out: list[Point] = []
    for function in facts.functions:
        if function.stub or function.kind == KIND_DESTRUCTOR:
            continue
        public: list[bool] = []
        if function.kind in (KIND_FUNCTION, KIND_METHOD):
            for scope, target, op in registry.functions:
                if resolves(scope, target, function.qualname):
                    public.append(not op_base(op).startswith("_"))
        if function.kind == KIND_FUNCTION:
            for reg in schemas:
                if function.name in (reg.target, reg.target + SYMINT):
                    public.append(not reg.target.startswith("_"))
        if function.kind == KIND_CONSTRUCTOR:
            for scope, target in registry.classes:
                if resolves(scope, target, function.scope):
                    public.append(True)
        if public:
            private = function.name.startswith("_") or not any(public)
            out.append(Point(function, private))
    return out


def render(event: str, indent: str, *, inline: bool, newline: str = "\n") -> str:
    """The statement, wrapped like clang-format does when it passes the column limit."""
    one = f'{MACRO}("{event}");'
    if inline or len(indent) + len(one) <= COLUMN_LIMIT:
        return one
    return f'{MACRO}({newline}{indent}    "{event}");'


def insertion(function: Function, event: str, newline: str) -> Edit:
    """The macro inserted where the body starts (TVU301's fix, and TVU303's move)."""
    statement = render(event, function.indent, inline=function.inline, newline=newline)
    return Edit(
        function.insert_start,
        function.insert_end,
        function.insert_prefix + statement + function.insert_suffix,
    )


@dataclass(frozen=True)
class Site:
    """A function of a legacy C++ unit that a unit judges, and the event it should log."""

    function: Function
    module: str  # the file as a dotted name: ``torchvision.csrc.ops.nms``
    path: str
    newline: str  # the file's
    entry: bool  # a public entry point; else a function that logs without being one

    @property
    def expected(self) -> str:
        """The event: ``<module>.<name>``, a ``_symint`` suffix dropped."""
        return f"{self.module}.{base_name(self.function)}"
