"""The server's engine: a run that redoes only what an edit can change.

A run of ``Engine`` goes discover → facts → index → policy → rules. Between two runs of
one project the server keeps the discovery, the index and each module's entry points
as the policy computed them before its project-wide passes (``Policy.module_points``),
and redoes on an edit only:

* the facts of files whose text changed (buffers by content, files on disk by size and
  modification time, or by the client's file events when it watches files for us);
* nothing of the index when every changed module keeps its *shape* (``shape``: its
  facts without positions, logging calls, suppressions, layer hits and operator calls):
  names, imports, ``__all__``, bases and ``__init__`` shapes are all name resolution,
  publicity, builders, data holders and ``__init__`` chains read of a module, so their
  answers stand; the module's facts are swapped in place (``Index.refresh``);
* the entry points of the changed modules and, when which of their definitions log
  changed (``log_signature``), of every module holding a subclass of one of their
  classes (class status is inherited down bases) and, when that moves a dataset root,
  of the whole subpackage;
* the project-wide passes (``Policy.finish``) only when the recomputed entry points feed
  them something new (``Policy.same_for_finish``); else their results are kept and the
  recomputed modules' points are annotated again alone (``Policy.refinish``);
* the rules of the open documents, the C++ rules and the operator links, whole: they are
  cheap once the above is reused.

Anything else (a new, deleted or renamed file, a changed shape, a changed
configuration, another set of open documents) makes a full run, whose results seed the
next. What is kept is derived only from what the full run computed, so a run gives what
a fresh ``check`` of the same text gives (tests/server/test_incremental.py compares
them after random edits).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tvusage_lint.core import config as cfg
from tvusage_lint.engine import Engine, build_index
from tvusage_lint.files.discovery import Discovery, SourceFile
from tvusage_lint.python.facts import FORM_OBJECT, ClassFact, FunctionFact, PyFacts
from tvusage_lint.python.index import Index, Module

if TYPE_CHECKING:
    from tvusage_lint.python.policy import EntryPoint, Policy


def _function_shape(fn: FunctionFact) -> FunctionFact:
    return dataclasses.replace(
        fn,
        span=None,  # type: ignore[arg-type]
        first_line=0,
        body_start=0,
        preamble_end=0,
        super_init_index=None,
        early_return_index=None,
        early_return_kind="",
    )


def _class_shape(cls: ClassFact) -> ClassFact:
    init = None if cls.init is None else _function_shape(cls.init)
    return dataclasses.replace(cls, span=None, first_line=0, init=init)  # type: ignore[arg-type]


def shape(facts: PyFacts) -> PyFacts:
    """What other modules' analysis may read of a module, positions and logging left out.

    A deny-list: a field added to the facts later counts as shape until it is listed
    here, so the server errs towards a full run."""
    return dataclasses.replace(
        facts,
        error_line=0,
        error_col=0,
        imports=tuple(dataclasses.replace(i, line=0, end_line=0) for i in facts.imports),
        classes=tuple(_class_shape(c) for c in facts.classes),
        functions=tuple(_function_shape(f) for f in facts.functions),
        log_calls=(),
        suppressions=(),
        layers=(),
        op_calls=(),
    )


def log_signature(facts: PyFacts) -> frozenset[tuple[str, bool]]:
    """Which definitions hold a logging call, and whether it logs ``self``: all that
    ``Policy.class_logs`` and ``Policy.function_logs`` read of another module."""
    return frozenset(
        (call.owner, call.form == FORM_OBJECT and call.arg == "self") for call in facts.log_calls
    )


@dataclass
class Memory:
    """What the last run of a project leaves for the next one."""

    key: tuple[tuple[str, ...], Path | None] | None = None  # the paths and cwd discovered
    found: Discovery | None = None
    csrc: list[SourceFile] | None = None  # csrc context of ``found`` (operators' callers)
    index: Index | None = None
    order: list[Module] = field(default_factory=list)  # modules by name: the policy's order
    policy: Policy | None = None
    local: dict[str, list[EntryPoint]] = field(default_factory=dict)  # module → its points
    final: dict[str, list[EntryPoint]] = field(default_factory=dict)  # ... after ``finish``
    children: dict[str, set[str]] | None = None  # class → classes deriving from it directly
    full_runs: int = 0
    partial_runs: int = 0
    last: str = ""  # what the last run did ("full", "partial: N of M modules, ..."), for tests

    def forget(self) -> None:
        """Files were created, deleted or renamed, or the settings changed: the next run
        is a full one."""
        self.key = None
        self.found = None
        self.csrc = None
        self.index = None
        self.order = []
        self.policy = None
        self.local = {}
        self.final = {}
        self.children = None


class LiveEngine(Engine):
    """The engine, with the facts of files that are not open in the editor known by
    (size, modification time), or, with ``trust``, until the client reports a change
    (``Project.file_changed``): an edit neither reads nor hashes the rest of the tree;
    and with the discovery, index and entry points of the last run (``Memory``)."""

    def __init__(
        self,
        settings: cfg.Settings,
        *,
        cache: object,
        overlay: Mapping[Path, bytes],
        known: dict[tuple[str, Path], tuple[int, int, object]],
        memory: Memory | None = None,
        trust: bool = False,
    ) -> None:
        super().__init__(settings, cache=cache, jobs=1, overlay=overlay)
        self.known = known  # (kind, path) → (size, mtime_ns, facts) of files on disk
        self.trust = trust  # ``known`` is kept up to date by the client's file events
        self.memory = memory if memory is not None else Memory()
        self._dirty: set[str] | None = None  # modules to recompute; None: all

    # --- facts ----------------------------------------------------------------------------

    def _facts(self, files: list[SourceFile], kind: str) -> list[object]:
        out: list[object] = [None] * len(files)
        todo: list[int] = []
        stamps: dict[int, tuple[int, int]] = {}
        for i, source in enumerate(files):
            if self.overlay is not None and source.path in self.overlay:
                todo.append(i)
                continue
            if self.trust and (kind, source.path) in self.known:
                out[i] = self.known[(kind, source.path)][2]
                continue
            try:
                st = source.path.stat()
            except OSError:
                todo.append(i)
                continue
            stamps[i] = (st.st_size, st.st_mtime_ns)
            hit = self.known.get((kind, source.path))
            if hit is not None and hit[:2] == stamps[i]:
                out[i] = hit[2]
            else:
                todo.append(i)
        if todo:
            for i, facts in zip(todo, super()._facts([files[i] for i in todo], kind)):
                out[i] = facts
                if i in stamps:
                    self.known[(kind, files[i].path)] = (*stamps[i], facts)
        return out

    # --- the steps answered from memory -----------------------------------------------------

    def _discover(self, paths: list[str], cwd: Path | None) -> Discovery:
        memory = self.memory
        key = (tuple(paths), cwd)
        if memory.key != key or memory.found is None:
            memory.forget()
            memory.found = super()._discover(paths, cwd)
            memory.key = key
        return memory.found

    def _csrc_for_operators(
        self, found: Discovery, index: Index, cwd: Path | None
    ) -> list[SourceFile]:
        memory = self.memory
        if not any(m.report and m.facts.op_calls for m in index.modules.values()):
            return []
        if memory.csrc is None:
            memory.csrc = super()._csrc_for_operators(found, index, cwd)
        return memory.csrc

    def _index(self, found: Discovery) -> Index:
        memory = self.memory
        all_facts = self.python_facts(found.python)
        if memory.index is not None and memory.policy is not None:
            dirty = self._refresh(memory.index, found, all_facts)  # type: ignore[arg-type]
            if dirty is not None:
                self._dirty = dirty
                return memory.index
        memory.index = build_index(found.python, all_facts)  # type: ignore[arg-type]
        memory.order = sorted(memory.index.modules.values(), key=lambda m: m.name)
        memory.policy = None
        memory.local = {}
        memory.final = {}
        memory.children = None
        self._dirty = None
        return memory.index

    def _refresh(self, index: Index, found: Discovery, all_facts: list[PyFacts]) -> set[str] | None:
        """Swap in the facts that changed; the modules whose entry points must be
        recomputed, or None when a changed shape calls for a full run."""
        changed: list[tuple[Module, PyFacts, PyFacts]] = []
        for source, facts in zip(found.python, all_facts):
            module = index.modules.get(source.module)
            if module is None:
                return None
            if module.path != source.path:
                continue  # another file under that name was indexed (foo/ beside foo.py)
            old = module.facts
            if facts is old or facts == old:
                continue
            if shape(facts) != shape(old):
                return None
            changed.append((module, old, facts))
        dirty: set[str] = set()
        scopes: set[str] = set()  # subpackages where which classes log changed
        for module, old, facts in changed:
            index.refresh(module.name, facts)
            dirty.add(module.name)
            if log_signature(old) != log_signature(facts):
                scopes.add(module.scope)
                dirty |= self._below(index, module)
        if scopes:
            dirty |= self._moved_roots(scopes)
        return dirty

    def _below(self, index: Index, module: Module) -> set[str]:
        """The modules holding a class that derives, at any depth, from one of
        ``module``'s classes: their status may be inherited from it."""
        memory = self.memory
        if memory.children is None:
            children: dict[str, set[str]] = {}
            for other in memory.order:
                for cls in other.facts.classes:
                    if cls.nested:
                        continue
                    qualified = f"{other.name}.{cls.name}"
                    for base in index.bases(other, cls):
                        children.setdefault(base, set()).add(qualified)
            memory.children = children
        out: set[str] = set()
        todo = [f"{module.name}.{cls.name}" for cls in module.facts.classes]
        seen = set(todo)
        while todo:
            for child in memory.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
                    out.add(child.rpartition(".")[0])
        return out

    def _moved_roots(self, scopes: set[str]) -> set[str]:
        """Dataset roots depend on which ``__init__`` logs: the modules of each of
        ``scopes`` whose roots moved."""
        policy = self.memory.policy
        assert policy is not None
        moved = policy.moved_roots(scopes)
        return {m.name for m in self.memory.order if m.scope in moved} if moved else set()

    def _entry_points(self, index: Index) -> list[EntryPoint]:
        from tvusage_lint.python.policy import Policy

        memory = self.memory
        dirty = self._dirty
        if dirty is None or memory.policy is None:
            memory.policy = Policy(index, self.settings)
            memory.local = {}
            memory.final = {}
            dirty = None
            memory.full_runs += 1
            memory.last = "full"
        else:
            memory.policy.forget_statuses()
            memory.partial_runs += 1
            memory.last = f"partial: {len(dirty)} of {len(memory.order)} modules"
        policy = memory.policy
        if dirty is not None and memory.final:
            kept = self._refinish(policy, dirty)
            if kept is not None:
                return kept
        points: list[EntryPoint] = []
        for module in memory.order:
            local = memory.local.get(module.name)
            if local is None or dirty is None or module.name in dirty:
                local = memory.local[module.name] = policy.module_points(module)
            points.extend(_copy(p) for p in local)
        policy.finish(points)
        memory.final = {}
        for point in points:
            memory.final.setdefault(point.module.name, []).append(point)
        return points

    def _refinish(self, policy: Policy, dirty: set[str]) -> list[EntryPoint] | None:
        """The points of the last run with those of ``dirty`` modules recomputed, when
        the project-wide passes would find what they found last time
        (``Policy.same_for_finish``); None otherwise (the new points are kept)."""
        memory = self.memory
        fresh = {name: policy.module_points(memory.index.modules[name]) for name in dirty}
        same = all(
            policy.same_for_finish(memory.local.get(name, []), points)
            for name, points in fresh.items()
        )
        memory.local.update(fresh)
        if not same:
            return None
        for name, points in fresh.items():
            memory.final[name] = policy.refinish(
                [_copy(p) for p in points], memory.final.get(name, [])
            )
        memory.last += ", passes kept"
        return [p for module in memory.order for p in memory.final.get(module.name, ())]


def _copy(point: EntryPoint) -> EntryPoint:
    """A shallow copy for ``Policy.finish`` to annotate (it assigns, never mutates)."""
    out = object.__new__(type(point))
    out.__dict__.update(point.__dict__)
    return out
