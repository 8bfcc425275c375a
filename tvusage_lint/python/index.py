"""The project-wide index: modules, their bindings, classes and inheritance.

Built from per-file facts only. It answers "what does this dotted name in
this module refer to" across files (relative and absolute imports, aliases,
star imports, re-exports), which is what inheritance coverage and the
publicity rules need.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tvusage_lint.python.facts import HELPER, ClassFact, FunctionFact, LogCall, PyFacts


@dataclass
class Module:
    name: str  # "torchvision.ops.boxes"; a package's __init__ is the package name
    path: Path
    display: str  # the path as printed in findings
    facts: PyFacts
    is_package: bool
    report: bool  # findings are wanted for this file (it was named on the command line)

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def top(self) -> str:
        return self.parts[0]

    @property
    def scope(self) -> str:
        """The subpackage (or top-level module) the file belongs to: ``ops``, ``utils``."""
        parts = self.parts
        return parts[1] if len(parts) > 1 else ""

    @property
    def private_path(self) -> bool:
        return any(part.startswith("_") and part != "__init__" for part in self.parts)

    @cached_property
    def defined(self) -> dict[str, ClassFact | FunctionFact]:
        out: dict[str, ClassFact | FunctionFact] = {}
        for fn in self.facts.functions:
            out[fn.name] = fn
        for cls in self.facts.classes:
            out[cls.name] = cls
        return out

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Names bound by top-level imports and aliases → dotted target (unresolved)."""
        out: dict[str, str] = {}
        for imp in self.facts.imports:
            if not imp.top_level:
                continue
            if imp.is_from:
                base = self.absolute(imp.module, imp.level)
                for name, asname in imp.names:
                    if name != "*":
                        out[asname or name] = f"{base}.{name}" if base else name
            else:
                for name, asname in imp.names:
                    if asname:
                        out[asname] = name
                    else:
                        head = name.split(".")[0]
                        out.setdefault(head, head)
        for name, target in self.facts.aliases:
            if name not in self.defined:
                out[name] = f"{self.name}:{target}"  # resolved in this module's namespace
        return out

    @cached_property
    def all_set(self) -> frozenset[str] | None:
        """The static ``__all__`` as a set: lookups test it once per star import."""
        names = self.facts.all_names
        return None if names is None else frozenset(names)

    @cached_property
    def star_imports(self) -> list[str]:
        return [
            self.absolute(imp.module, imp.level)
            for imp in self.facts.imports
            if imp.top_level and imp.is_from and any(n == "*" for n, _ in imp.names)
        ]

    def absolute(self, module: str, level: int) -> str:
        if level == 0:
            return module
        base = self.package.split(".")
        if level > 1:
            base = base[: len(base) - (level - 1)]
        prefix = ".".join(base)
        if module:
            return f"{prefix}.{module}" if prefix else module
        return prefix

    @cached_property
    def log_calls_by_owner(self) -> dict[str, list[LogCall]]:
        out: dict[str, list[LogCall]] = {}
        for call in self.facts.log_calls:
            out.setdefault(call.owner, []).append(call)
        return out


# What a lookup can say besides a qualified name. ``None`` is "not there" (no binding,
# definition, submodule or star source has the name); ``_CYCLE`` is "leads back to
# itself". Both reach the rules as unknown, but only "not there" lets a star import try
# its next source or an import keep its dotted name (``torch.nn``, a missing module).
_CYCLE = "<cycle>"
_BUSY = "<in progress>"
# answers derived from the modules: ``Index.add`` forgets them
_MEMOS = (
    "_external_cache",
    "subclassed",
    "helper_defined",
    "helper_module",
    "reexported",
    "listed",
)
Key = tuple[str, str]  # (module, name)
# one equation: yields the (module, name) pairs it needs, is sent their answers
Steps = Generator[Key, "str | None", "str | None"]


@dataclass
class Index:
    modules: dict[str, Module] = field(default_factory=dict)
    # (module, name) → its answer (a qualified name, None, _CYCLE), or _BUSY while it is
    # being solved: a name re-exported through star imports is asked for again and again
    _found: dict[Key, str | None] = field(default_factory=dict, repr=False)
    _stars: dict[str, tuple[dict[str, list[tuple[int, Module]]], list[tuple[int, Module]]]] = field(
        default_factory=dict, repr=False
    )

    def add(self, module: Module) -> None:
        seen = self.modules.get(module.name)
        if seen is not None and seen.is_package and not module.is_package:
            return  # ``foo.py`` beside ``foo/__init__.py``: Python imports the package
        self.modules[module.name] = module
        self._found.clear()
        self._stars.clear()
        for memo in _MEMOS:
            self.__dict__.pop(memo, None)

    # --- name resolution ---------------------------------------------------------
    #
    # Each (module, name) is an equation over other pairs (``_steps``). ``_drive``
    # solves them depth-first on an explicit stack (a chain of 1,000 re-exports is a
    # list of 1,000 frames, not 1,000 nested calls) and memoises every answer. Every
    # equation is strict: a pair that needs a pair still in progress is in a cycle, and
    # so is each pair on the stack below it, since each needs the one above. That is
    # the least fixpoint of the equations, so the answers do not depend on which pair
    # is asked first (nor on file order), and each pair is solved once: the cost is
    # linear in the bindings and star imports.

    def resolve(self, module: Module, dotted_name: str) -> str:
        """The qualified name ``dotted_name`` refers to inside ``module``."""
        head, _, rest = dotted_name.partition(".")
        target = self._lookup(module, head)
        if target is None:
            target = f"builtins.{head}"
        full = f"{target}.{rest}" if rest else target
        return self.canonical(full) if rest else full

    def canonical(self, qualified: str) -> str:
        """Follow re-exports: ``torchvision.transforms.v2.Resize`` → where it is defined.
        A name that cannot be followed (outside the project, or a cycle) stays as it is."""
        found = self._drive(self._canonical_steps(qualified))
        return qualified if found is None or found == _CYCLE else found

    def _lookup(self, module: Module, name: str) -> str | None:
        """What ``name`` is in ``module``'s namespace: None when not there or a cycle."""
        key = (module.name, name)
        if key in self._found:
            found = self._found[key]
        elif name in module.defined:
            found = self._found[key] = f"{module.name}.{name}"
        else:
            found = self._drive(self._steps(module, name), key)
        return None if found == _CYCLE else found

    def _drive(self, steps: Steps, key: Key | None = None) -> str | None:
        """Solve ``steps`` (the equation of ``key``, or a query that is no pair) and each
        pair it needs that is not solved yet."""
        found = self._found
        stack: list[tuple[Key | None, Steps]] = [(key, steps)]
        if key is not None:
            found[key] = _BUSY
        answer: str | None = None
        while stack:
            current, gen = stack[-1]
            if answer == _CYCLE:  # strict: whoever needs a cycle is in it
                gen.close()
            else:
                try:
                    need = gen.send(answer)
                except StopIteration as done:
                    answer = done.value
                else:
                    if need in found:
                        answer = found[need]
                        if answer == _BUSY:
                            answer = _CYCLE
                    elif need[1] in (module := self.modules[need[0]]).defined:
                        answer = found[need] = f"{module.name}.{need[1]}"  # the usual end
                    else:
                        found[need] = _BUSY
                        stack.append((need, self._steps(module, need[1])))
                        answer = None
                    continue
            stack.pop()
            if current is not None:
                found[current] = answer
        return answer

    def _steps(self, module: Module, name: str) -> Steps:
        """The equation of (module, name), in Python's order: a definition or an explicit
        binding, a submodule, then the star imports in import order."""
        if name in module.defined:
            return f"{module.name}.{name}"
        bound = module.bindings.get(name)
        if bound is not None:
            if ":" in bound:  # an alias: resolve its target in the module
                _, target = bound.split(":", 1)
                head, _, rest = target.partition(".")
                if head == name:
                    return None
                found = yield (module.name, head)
                full = f"builtins.{head}" if found is None else found
                if not rest:
                    return full
                return (yield from self._canonical_steps(f"{full}.{rest}"))
            return (yield from self._canonical_steps(bound))
        # a submodule of a package is reachable as an attribute of it
        sub = f"{module.name}.{name}" if module.is_package else ""
        if sub and sub in self.modules:
            return sub
        if name.startswith("_"):
            return None
        for other in self._star_sources(module, name):
            found = yield (other.name, name)
            if found is not None:
                return found
        return None

    def _canonical_steps(self, qualified: str) -> Steps:
        """A dotted name through the modules it names: the longest prefix that is a
        module, the next part looked up in it, and the same again on what that gives.
        Each round consumes a part of ``qualified``, since what a lookup gives is already
        followed; more rounds than parts would be a bug, answered as a cycle, not a hang."""
        for _ in range(qualified.count(".") + 1):
            if qualified in self.modules:
                return qualified
            parts = qualified.split(".")
            cut = len(parts) - 1
            while cut and ".".join(parts[:cut]) not in self.modules:
                cut -= 1
            if not cut:
                return qualified
            prefix, head, rest = ".".join(parts[:cut]), parts[cut], parts[cut + 1 :]
            found = yield (prefix, head)
            if found is None:
                return qualified
            if not rest:
                return found
            full = ".".join([found, *rest])
            if found == f"{prefix}.{head}":
                return full
            qualified = full
        return qualified if qualified in self.modules else _CYCLE

    def _star_sources(self, module: Module, name: str) -> list[Module]:
        """The star-imported modules ``name`` may come from, in import order: those whose
        ``__all__`` lists it and those without ``__all__``. A table per module, so a
        package star-importing many modules answers in O(1), not one test per import."""
        table = self._stars.get(module.name)
        if table is None:
            listing: dict[str, list[tuple[int, Module]]] = {}
            open_: list[tuple[int, Module]] = []  # no static __all__: any public name
            for i, star in enumerate(module.star_imports):
                other = self.modules.get(star)
                if other is None:
                    continue
                if other.all_set is None:
                    open_.append((i, other))
                else:
                    for listed in other.all_set:
                        listing.setdefault(listed, []).append((i, other))
            table = self._stars[module.name] = (listing, open_)
        listing, open_ = table
        found = listing.get(name, [])
        if open_:
            found = sorted(found + open_, key=lambda pair: pair[0])
        return [other for _, other in found]

    def split(self, qualified: str) -> tuple[Module, str] | None:
        """(module, name) for a top-level definition in the project."""
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.get(module_name)
        if module is None or name not in module.defined:
            return None
        return module, name

    def class_fact(self, qualified: str) -> tuple[Module, ClassFact] | None:
        found = self.split(qualified)
        if found is None:
            return None
        module, name = found
        fact = module.defined[name]
        return (module, fact) if isinstance(fact, ClassFact) else None

    def function_fact(self, qualified: str) -> tuple[Module, FunctionFact] | None:
        found = self.split(qualified)
        if found is None:
            return None
        module, name = found
        fact = module.defined[name]
        return (module, fact) if isinstance(fact, FunctionFact) else None

    # --- classes ----------------------------------------------------------------

    def bases(self, module: Module, cls: ClassFact) -> list[str]:
        return [self.resolve(module, base) for base in cls.bases]

    @cached_property
    def _external_cache(self) -> dict[str, frozenset[str]]:
        return {}

    def external_ancestors(self, qualified: str) -> frozenset[str]:
        """External (non-project) classes anywhere above ``qualified``.

        Classes in an inheritance cycle reach the same classes, so each strongly
        connected piece of the base graph is solved as one (Tarjan, on an explicit
        stack): each class once, the same answers whichever class is asked first."""
        cache = self._external_cache
        if qualified in cache:
            return cache[qualified]
        order: dict[str, int] = {}  # class → when it was first seen
        low: dict[str, int] = {}  # the earliest open class it reaches
        outside: dict[str, set[str]] = {}  # open class → external names reached so far
        piece: list[str] = []  # open classes, in the order seen
        work: list[tuple[str, list[str]]] = []  # (class, bases still to visit)

        def enter(name: str) -> None:
            order[name] = low[name] = len(order)
            piece.append(name)
            found = self.class_fact(name)
            outside[name] = set() if found else {name}
            work.append((name, self.bases(*found) if found else []))

        enter(qualified)
        while work:
            name, todo = work[-1]
            if todo:
                base = todo.pop()
                if base in cache:
                    outside[name] |= cache[base]
                elif base in outside:  # open: in this piece
                    low[name] = min(low[name], order[base])
                else:
                    enter(base)
                continue
            work.pop()
            if low[name] == order[name]:  # the first class of a piece: close the piece
                members: list[str] = []
                reached: set[str] = set()
                while not members or members[-1] != name:
                    members.append(piece.pop())
                    reached |= outside.pop(members[-1])
                for member in members:
                    cache[member] = frozenset(reached)
            if work:
                parent = work[-1][0]
                if name in cache:
                    outside[parent] |= cache[name]
                else:
                    low[parent] = min(low[parent], low[name])
                    outside[parent] |= outside[name]
        return cache[qualified]

    def derives(self, qualified: str, patterns: tuple[str, ...]) -> bool:
        return any(
            fnmatch.fnmatchcase(anc, pat)
            for anc in self.external_ancestors(qualified)
            for pat in patterns
        )

    def ancestors(self, qualified: str) -> list[str]:
        """Project classes above ``qualified``, nearest first (breadth-first)."""
        out: list[str] = []
        queue = [qualified]
        while queue:
            current = queue.pop(0)
            found = self.class_fact(current)
            if found is None:
                continue
            module, cls = found
            for base in self.bases(module, cls):
                if base not in out and base != qualified and self.class_fact(base):
                    out.append(base)
                    queue.append(base)
        return out

    @cached_property
    def subclassed(self) -> set[str]:
        """Project classes that some project class derives from directly."""
        out: set[str] = set()
        for module in self.modules.values():
            for cls in module.facts.classes:
                if cls.nested:
                    continue
                for base in self.bases(module, cls):
                    if self.class_fact(base):
                        out.add(base)
        return out

    # --- the logging helper --------------------------------------------------------

    @cached_property
    def helper_defined(self) -> bool:
        """Whether some project module defines the helper (torchvision 0.11 does not)."""
        return any(isinstance(m.defined.get(HELPER), FunctionFact) for m in self.modules.values())

    @cached_property
    def helper_module(self) -> str:
        """The project module that defines the helper (``torchvision.utils``); of several,
        the outermost (then the first by name), so the file order cannot choose."""
        defining = [
            m.name for m in self.modules.values() if isinstance(m.defined.get(HELPER), FunctionFact)
        ]
        if defining:
            return min(defining, key=lambda name: (name.count("."), name))
        tops = sorted({m.top for m in self.modules.values()})
        return f"{tops[0]}.utils" if tops else "torchvision.utils"

    # --- publicity ------------------------------------------------------------------

    @cached_property
    def reexported(self) -> set[str]:
        """Qualified names bound by the ``__init__`` of a public package."""
        out: set[str] = set()
        for module in self.modules.values():
            if not module.is_package or module.private_path:
                continue
            names: list[str] = []
            for imp in module.facts.imports:
                if not imp.top_level:
                    continue
                for name, asname in imp.names:
                    if name != "*":
                        names.append((asname or name) if imp.is_from else "")
            for star in module.star_imports:
                other = self.modules.get(star)
                if other is None:
                    continue
                if other.facts.all_names is not None:
                    names.extend(other.facts.all_names)
                else:
                    names.extend(n for n in other.defined if not n.startswith("_"))
            for name in names:
                if not name or name.startswith("_"):
                    continue
                target = self._lookup(module, name)
                if target is not None:
                    out.add(target)
        return out

    @cached_property
    def listed(self) -> set[str]:
        """Qualified names a public package lists in its own static ``__all__``."""
        out: set[str] = set()
        for module in self.modules.values():
            if not module.is_package or module.private_path or module.facts.all_names is None:
                continue
            for name in module.facts.all_names:
                target = None if name.startswith("_") else self._lookup(module, name)
                if target is not None:
                    out.add(target)
        return out

    def is_public(self, module: Module, name: str) -> bool:
        """SPEC §1: no leading ``_``; ``__all__`` decides; private paths need a re-export.

        A public package listing the name in its own ``__all__`` overrides the
        defining module's ``__all__`` (``datasets`` re-exports the classes of
        ``_stereo_matching.py``, whose ``__all__ = ()``)."""
        if name.startswith("_"):
            return False
        qualified = f"{module.name}.{name}"
        if qualified in self.listed:
            return True
        all_names = module.all_set
        if all_names is not None:
            if name not in all_names:
                return False
        elif not module.facts.has_all and not module.is_package:
            package = self.modules.get(module.package)
            if package is not None and package.all_set is not None:
                if name not in package.all_set:
                    return False
                if self._lookup(package, name) != qualified:
                    return False
        if module.private_path:
            return qualified in self.reexported
        return True

    # --- live updates (the language server) --------------------------------------------------

    def refresh(self, name: str, facts: PyFacts) -> None:
        """Give module ``name`` new facts of the same shape (names, imports, ``__all__``,
        bases: ``server/incremental.py``'s ``shape``), keeping every answer the index
        memoised, which reads only that shape; the module's own derived views are redone."""
        module = self.modules[name]
        module.facts = facts
        for attr, value in vars(Module).items():
            if isinstance(value, cached_property):
                module.__dict__.pop(attr, None)
