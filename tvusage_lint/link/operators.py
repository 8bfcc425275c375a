"""Operators ↔ Python callers: where the use of each registered C++ operator is recorded.

An operator (``torchvision::roi_align``, ``image::decode_jpeg``) is what a user
reaches, from Python (``torch.ops.torchvision.roi_align(...)``) or from C++ and
TorchScript. Its use is recorded

- ``logged``: by its legacy C++ front end's ``C10_LOG_API_USAGE_ONCE``
  (``via`` names the front end, whose ``cpp`` entry carries the same event);
- ``caller``: by a public Python function that calls it and logs
  (``via`` = that caller, ``event`` = the caller's event; no event of its own);
- otherwise ``missing``.

A stable-ABI unit cannot reach c10 (``cpp/stable.py``), so its operators can
only be recorded by a caller. A stable operator that no logging public caller
reaches is TVU304. It is reported where the maintainer acts: at the public
Python caller, with the guarded insert TVU102 would make (and in place of
that TVU102 or TVU105 finding, which the fix also settles), or, when no
public function calls the operator, at its schema registration in C++,
without a fix: a public wrapper has to be written, or the operator renamed
private. This module finds those gaps (``Unrecorded``); the finding itself is
the unit's, ``operator_not_recorded.py``.

Callers are found through the ``torch.ops`` calls of each function
(``python/op_calls.py``); an operator called from a private helper is
credited to the public functions of the same module that call that helper
(``roi_align`` → ``_roi_align_impl`` → ``torch.ops``), and a method to its
class (``RoIAlign.forward``: the instance was made by a constructor that
logs). Calls across modules through private helpers are not followed.
Operators whose name starts with ``_`` are private (``exempt``); the
``exempt`` globs of the configuration apply to operator names too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tvusage_lint.core import codes
from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import (
    CALLER,
    EXEMPT,
    INHERITED,
    KIND_OPERATOR,
    LOGGED,
    MISSING,
    Entry,
)
from tvusage_lint.core.findings import Finding
from tvusage_lint.cpp import rules as cpp_rules
from tvusage_lint.cpp.facts import (
    KIND_FUNCTION,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    CppFacts,
    Function,
)
from tvusage_lint.cpp.stable import ABI_STABLE, qualify
from tvusage_lint.files.discovery import SourceFile
from tvusage_lint.python.facts import FunctionFact
from tvusage_lint.python.index import Index, Module
from tvusage_lint.python.policy import ROLE_FUNCTION, EntryPoint
from tvusage_lint.python.rules.common import Context

OPERATOR = "link.operator"  # run(ctx, gap: Unrecorded) -> Finding | None
SUPERSEDED = ("TVU102", "TVU105")  # a missing call in the caller: TVU304 says more, same fix


@dataclass(frozen=True)
class FrontEnd:
    """A C++ function that runs an operator for its callers."""

    qualname: str
    logs: bool
    event: str  # the event it logs (or would), for a legacy front end


@dataclass(frozen=True)
class Operator:
    name: str  # "torchvision::roi_align"
    abi: str  # of the unit that registers its schema
    source: SourceFile  # that unit
    line: int  # the registration
    front_ends: tuple[FrontEnd, ...]

    @property
    def base(self) -> str:
        return self.name.rsplit("::", 1)[-1]

    @property
    def private(self) -> bool:
        return self.base.startswith("_")


@dataclass(frozen=True)
class Caller:
    """A public Python entry point that reaches an operator."""

    point: EntryPoint
    function: FunctionFact | None  # the function that logs for it (None for a class)

    @property
    def records(self) -> bool:
        return self.point.entry.status in (LOGGED, INHERITED)


@dataclass
class Linked:
    entries: list[Entry]
    findings: list[Finding]
    superseded: set[tuple[str, str, str]]  # (path, code, symbol) of findings TVU304 replaces
    warnings: list[str]


@dataclass(frozen=True)
class Unrecorded:
    """Stable-ABI operators whose use nothing records, and where a finding about them goes.

    At ``caller``, the public Python function a fix would go into (every operator
    it reaches without logging); without one, at the operator's registration,
    with ``callers`` the public callers that do not log.
    """

    ops: tuple[Operator, ...]
    caller: Caller | None = None
    callers: tuple[Caller, ...] = ()

    @property
    def scope(self) -> str:
        """Where the code is switched on or off: the caller's scope, or the csrc subpackage."""
        if self.caller is not None:
            return self.caller.point.scope
        return cpp_rules.subpackage_of(self.ops[0].source.csrc_rel)


def operators(pairs: Sequence[tuple[SourceFile, CppFacts]]) -> list[Operator]:
    """Every operator registered in the tree: by its schema (the first registration wins),
    else by its first kernel (``m.impl``)."""
    everything = [(f, s) for s, facts in pairs if not facts.error for f in facts.functions]
    found: dict[str, Operator] = {}
    for source, facts in pairs:
        if facts.error:
            continue
        unit = facts.unit
        for reg in facts.registrations:
            if reg.kind not in (REG_OP, REG_DEF, REG_SCHEMA):
                continue
            name = qualify(reg.op, unit.library_at(reg.line))
            if "::" not in name or name in found:
                continue
            if reg.kind == REG_SCHEMA:
                base = name.rsplit("::", 1)[-1]
                targets = [
                    (f, source)
                    for f in facts.functions
                    if f.kind == KIND_FUNCTION and f.name in (base, base + cpp_rules.SYMINT)
                ]
            else:  # the registered function may be defined in another file
                targets = [
                    (f, where)
                    for f, where in everything
                    if cpp_rules.resolves(reg.scope, reg.target, f.qualname)
                ]
            front = [_front_end(f, where) for f, where in targets if not f.stub]
            found[name] = Operator(name, unit.abi, source, reg.line, tuple(front))
    # a kernel of an operator whose schema is not in csrc (``torch.library`` in Python)
    for source, facts in pairs:
        for kernel in facts.unit.kernels if not facts.error else ():
            name = qualify(kernel.op, facts.unit.library_at(kernel.line))
            if "::" in name and name not in found:
                found[name] = Operator(name, facts.unit.abi, source, kernel.line, ())
    # stable front ends: the functions that call ``torch_call_dispatcher("<op>")``
    for source, facts in pairs:
        for call in facts.unit.dispatcher_calls if not facts.error else ():
            op = found.get(call.op)
            function = _around(facts.functions, call.offset)
            if op is None or function is None or function.stub:
                continue
            front = _front_end(function, source)
            if front not in op.front_ends:
                found[call.op] = Operator(
                    op.name, op.abi, op.source, op.line, op.front_ends + (front,)
                )
    return sorted(found.values(), key=lambda o: (o.source.display, o.line, o.name))


def _front_end(function: Function, source: SourceFile) -> FrontEnd:
    module = cpp_rules.module_of(source.csrc_rel, source.package)
    return FrontEnd(
        function.qualname, bool(function.logs), f"{module}.{cpp_rules.base_name(function)}"
    )


def _around(functions: Iterable[Function], offset: int) -> Function | None:
    """The innermost definition whose body holds ``offset``."""
    holding = [f for f in functions if f.body_open <= offset <= f.body_close]
    return min(holding, key=lambda f: f.body_close - f.body_open) if holding else None


class _Callers:
    """``lib::op`` → the public entry points whose code reaches ``torch.ops.lib.op``."""

    def __init__(self, index: Index, points: Sequence[EntryPoint]) -> None:
        self.points = {p.entry.symbol: p for p in points}
        self.found: dict[str, list[Caller]] = {}
        for module in index.modules.values():
            if module.facts.error or not module.facts.op_calls:
                continue
            up: dict[str, list[str]] = {}
            for caller, callee in module.facts.local_calls:
                up.setdefault(callee, []).append(caller)
            for call in module.facts.op_calls:
                name = f"{call.library}::{call.op}"
                bucket = self.found.setdefault(name, [])
                known = {c.point.entry.symbol for c in bucket}
                for caller in self._reach(module, call.owner, up):
                    if caller.point.entry.symbol not in known:
                        known.add(caller.point.entry.symbol)
                        bucket.append(caller)

    def _reach(self, module: Module, owner: str, up: dict[str, list[str]]) -> list[Caller]:
        out: list[Caller] = []
        seen: set[str] = set()
        todo = [owner]
        while todo:
            current = todo.pop()
            if not current or current in seen:
                continue
            seen.add(current)
            top = current.split(".<locals>.", 1)[0]
            point = self.points.get(f"{module.name}.{top.split('.', 1)[0]}")
            if point is not None:
                fact = point.fact
                function = fact if isinstance(fact, FunctionFact) else None
                out.append(Caller(point, function))
                continue
            if "." not in top:  # a private module-level helper: who calls it here?
                todo.extend(up.get(top, ()))
        return out

    def of(self, name: str) -> list[Caller]:
        return self.found.get(name, [])


def link(
    pairs: Sequence[tuple[SourceFile, CppFacts]],
    index: Index,
    points: Sequence[EntryPoint],
    settings: Settings,
) -> Linked:
    """Operator coverage entries, TVU304 findings and the findings they replace."""
    linked = Linked([], [], set(), [])
    ops = operators(pairs)
    packages = {source.package for source, _ in pairs}
    python = any(
        m.name == p or m.name.startswith(p + ".") for m in index.modules.values() for p in packages
    )
    if not python:
        stable = [op for op in ops if op.abi == ABI_STABLE and op.source.report]
        if stable:
            linked.warnings.append(
                f"stable-ABI operators not checked ({len(stable)}): their Python callers are not "
                "part of this run (check the package root)"
            )
        ops = [op for op in ops if op.abi != ABI_STABLE]
    callers = _Callers(index, points)
    gaps: list[Unrecorded] = []
    missing: dict[str, tuple[Caller, list[Operator]]] = {}  # caller symbol → operators
    for op in ops:
        entry, caller = _status(op, callers.of(op.name), settings)
        if op.source.report:
            linked.entries.append(entry)
        elif caller is None or not caller.point.module.report:
            continue  # registered in context C++ only: judged where its reported caller is
        if entry.status != MISSING or op.abi != ABI_STABLE:
            continue
        if caller is None:
            gaps.append(Unrecorded((op,), callers=tuple(callers.of(op.name))))
        else:
            missing.setdefault(caller.point.entry.symbol, (caller, []))[1].append(op)
    gaps.extend(
        Unrecorded(tuple(ops_here), caller)
        for caller, ops_here in missing.values()
        if caller.point.module.report
    )
    units = codes.units(OPERATOR)
    context = Context(index, settings)
    for gap in gaps:
        for unit in units:
            if not settings.enabled(unit.code, gap.scope):
                continue
            found = unit.run(context, gap)
            if found is None:
                continue
            linked.findings.append(found)
            if gap.caller is not None:
                linked.superseded.update((found.path, code, found.symbol) for code in SUPERSEDED)
    return linked


def _status(op: Operator, callers: list[Caller], settings: Settings) -> tuple[Entry, Caller | None]:
    """The operator's coverage entry, and the caller a TVU304 fix would go into."""
    source = op.source

    def entry(status: str, via: str, event: str) -> Entry:
        return Entry(
            symbol=op.name,
            kind=KIND_OPERATOR,
            subpackage=cpp_rules.subpackage_of(source.csrc_rel),
            path=source.display,
            line=op.line,
            status=status,
            via=via,
            event=event,
        )

    if op.private:
        return entry(EXEMPT, "private operator", ""), None
    if settings.is_exempt(op.name):
        return entry(EXEMPT, "configured exempt", ""), None
    if op.abi != ABI_STABLE:
        logging = [f for f in op.front_ends if f.logs]
        if logging:
            return entry(LOGGED, logging[0].qualname, logging[0].event), None
    ranked = sorted(
        callers,
        key=lambda c: (
            c.point.fact.name != op.base,
            c.point.module.display,
            c.point.fact.span.line,
        ),
    )
    recording = [c for c in ranked if c.records]
    if recording:
        first = recording[0].point.entry
        return entry(CALLER, first.symbol, first.event), None
    fixable = [
        c
        for c in ranked
        if c.function is not None
        and c.point.role == ROLE_FUNCTION
        and c.point.entry.status == MISSING
    ]
    target = fixable[0] if fixable else None
    return entry(MISSING, "", target.point.entry.event if target else ""), target
