"""Which Python definitions are entry points, and whether each one logs.

The preset's per-subpackage policy names a *kind* of symbol; this module
derives the symbols of that kind from the index (``__all__``, ancestry,
builders, functional modules, dataset roots), never from lists of names.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvusage_lint.core.config import ScopePolicy, Settings
from tvusage_lint.core.entries import (
    EXEMPT,
    INHERITED,
    KIND_CLASS,
    KIND_FUNCTION,
    LOGGED,
    MISSING,
    Entry,
)
from tvusage_lint.python.facts import FORM_OBJECT, ClassFact, FunctionFact
from tvusage_lint.python.index import Index, Module
from tvusage_lint.python.placement import choose_hosts, families

# Roles an entry point plays; the rules pick their code from it.
ROLE_CLASS = "class"
ROLE_FUNCTION = "function"
ROLE_DATASET = "dataset"
ROLE_DATASET_ROOT = "dataset-root"
ROLE_EXEMPT = "exempt"

# Why a dataset class does not reach the root.
BREAK_NO_BASE = "no-base"
BREAK_NO_SUPER = "no-super"


@dataclass
class EntryPoint:
    entry: Entry
    module: Module
    fact: ClassFact | FunctionFact
    role: str
    scope: str
    twin: str = ""  # qualified name of the ops twin, when there is one
    twin_logs: bool = False
    chain_break: str = ""  # for datasets: BREAK_* and where (``Class``)
    chain_at: str = ""
    root: str = ""  # for datasets: the root class they must reach
    pending: str = ""  # a missing ancestor entry point whose fix will cover this class
    host: str = ""  # the class whose ``__init__`` the fix logs in (python/placement.py)


@dataclass(frozen=True)
class _Registration:
    target: str  # the dispatcher the kernels are registered to (resolved)
    kernels: tuple[str, ...]  # the registered function, then private wrappers' kernels
    machinery: str  # the registering function, when the project defines it


def _event(module: Module, name: str) -> str:
    return f"{module.name}.{name}"


class Policy:
    """Derives entry points for every module in scope.

    It memoises what only the modules' shapes decide (names, imports, bases,
    ``__init__`` shapes, decorators: builders, kernel registrations, ``__init__``
    chains); the language server keeps one policy across edits that keep every shape
    (server/incremental.py) and makes a new one otherwise."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._class_status: dict[str, tuple[str, str]] = {}
        self._built: dict[str, set[str]] = {}
        self._roots: dict[str, set[str]] = {}
        # class → the ``__init__`` chain placement walks; it reads only bases and whether
        # each ``__init__`` exists and calls ``super``, so the server keeps it across edits
        self.init_chains: dict[str, list[str]] = {}
        self._registering: dict[str, list[_Registration]] = {}
        self._registered: list[Module] | None = None  # modules of points with registrations
        self._families: tuple[list[tuple[str, list[str]]], dict[str, set[str]]] | None = None
        self._exempt: dict[str, bool] = {}
        # what the last ``finish`` found across modules, for ``refinish``
        self.kernels: dict[str, str] = {}  # kernel → its dispatcher (names only)
        self._served: set[str] = set()
        self._machinery_of: dict[str, str] = {}

    # --- coverage of one definition -------------------------------------------------

    def function_logs(self, module: Module, fn: FunctionFact) -> bool:
        """Any logging call counts (its form is another rule's business), except
        ``self``, which a function cannot log (TVU207)."""
        return any(
            not (call.form == FORM_OBJECT and call.arg == "self")
            for call in module.log_calls_by_owner.get(fn.qualname, ())
        )

    def class_logs(self, module: Module, cls: ClassFact) -> bool:
        return cls.init is not None and bool(module.log_calls_by_owner.get(cls.init.qualname))

    def class_status(self, qualified: str, strict: bool) -> tuple[str, str]:
        """(LOGGED | INHERITED | MISSING, via) for a project class."""
        key = f"{qualified}|{strict}"
        if key in self._class_status:
            return self._class_status[key]
        self._class_status[key] = (MISSING, "")  # cycle guard
        found = self.index.class_fact(qualified)
        result = (MISSING, "")
        if found is not None:
            module, cls = found
            if self.class_logs(module, cls):
                result = (LOGGED, "")
            elif not strict and (cls.init is None or cls.init.calls_super_init):
                for base in self.index.bases(module, cls):
                    if self.index.class_fact(base) is None:
                        continue
                    status, via = self.class_status(base, False)
                    if status in (LOGGED, INHERITED):
                        result = (INHERITED, via or base)
                        break
        self._class_status[key] = result
        return result

    # --- models: main classes ---------------------------------------------------------

    def built_classes(self, scope: str) -> set[str]:
        """Classes a public function of ``scope`` returns, directly or via helpers."""
        if scope in self._built:
            return self._built[scope]
        out: set[str] = set()
        seen: set[str] = set()
        stack: list[str] = []
        for module in self.index.modules.values():
            if module.scope != scope:
                continue
            for fn in module.facts.functions:
                if self.index.is_public(module, fn.name):
                    stack.append(_event(module, fn.name))
        while stack:
            qualified = stack.pop()
            if qualified in seen:
                continue
            seen.add(qualified)
            found = self.index.function_fact(qualified)
            if found is None:
                continue
            module, fn = found
            for name in fn.returns:
                target = self.index.resolve(module, name)
                if self.index.class_fact(target) is not None:
                    out.add(target)
                elif self.index.function_fact(target) is not None:
                    stack.append(target)
        self._built[scope] = out
        return out

    # --- data holders ----------------------------------------------------------------------

    def is_data_holder(self, qualified: str, depth: int = 0) -> bool:
        """A class that only holds data: made by a dataclass decorator, or whose own
        methods are only ``__init__`` and value dunders and whose bases are ``object``
        or data holders too (io's ``Timebase``, ``VideoMetaData``). Using it does not
        use a feature of the library, so it is no entry point."""
        found = self.index.class_fact(qualified)
        if found is None or depth > 32:
            return False
        module, cls = found
        if any(
            self.index.resolve(module, name) in self.settings.data_decorators
            for name in cls.decorators
        ):
            return True
        if any(method not in self.settings.data_methods for method in cls.methods):
            return False
        return all(
            base == "builtins.object" or self.is_data_holder(base, depth + 1)
            for base in self.index.bases(module, cls)
        )

    # --- datasets -----------------------------------------------------------------------

    def is_dataset(self, qualified: str) -> bool:
        return self.index.derives(qualified, self.settings.dataset_bases)

    def dataset_roots(self, scope: str) -> set[str]:
        """Dataset bases: classes deriving directly from an external dataset base that
        other project classes derive from, or whose ``__init__`` logs."""
        roots: set[str] = set()
        for module in self.index.modules.values():
            if module.scope != scope:
                continue
            for cls in module.facts.classes:
                qualified = _event(module, cls.name)
                if cls.nested:
                    continue
                if qualified not in self.index.subclassed and not self.class_logs(module, cls):
                    continue
                bases = self.index.bases(module, cls)
                if any(
                    self.index.class_fact(b) is None
                    and self.index.derives(b, self.settings.dataset_bases)
                    for b in bases
                ):
                    roots.add(qualified)
        return roots

    def dataset_chain(self, qualified: str, roots: set[str]) -> tuple[str, str, str, str]:
        """(root reached or "", break kind, class where it breaks, the root it should reach)."""
        target = next((a for a in self.index.ancestors(qualified) if a in roots), "")
        if not target:
            return "", BREAK_NO_BASE, qualified, sorted(roots)[0] if len(roots) == 1 else ""
        current = qualified
        while current != target:
            found = self.index.class_fact(current)
            if found is None:
                break
            module, cls = found
            if cls.init is not None and not cls.init.calls_super_init:
                return "", BREAK_NO_SUPER, current, target
            parents = [
                b
                for b in self.index.bases(module, cls)
                if b == target
                or (self.index.class_fact(b) is not None and target in self.index.ancestors(b))
            ]
            if not parents:
                break
            current = parents[0]
        return target, "", "", target

    # --- the whole project --------------------------------------------------------------

    def entry_points(self) -> list[EntryPoint]:
        out: list[EntryPoint] = []
        for module in sorted(self.index.modules.values(), key=lambda m: m.name):
            out.extend(self.module_points(module))
        return self.finish(out)

    def module_points(self, module: Module) -> list[EntryPoint]:
        """The entry points one module defines, before the project-wide passes of
        ``finish``: the part of the policy the server recomputes per edited module."""
        policy = self.settings.scope(module.scope)
        if policy is None:
            return []
        roots = self.scope_roots(module.scope) if policy.classes == "datasets" else set()
        return [
            *self._module_classes(module, policy, roots),
            *self._module_functions(module, policy),
        ]

    def scope_roots(self, scope: str) -> set[str]:
        """``dataset_roots`` of ``scope``, computed once per policy."""
        if scope not in self._roots:
            self._roots[scope] = self.dataset_roots(scope)
        return self._roots[scope]

    def moved_roots(self, scopes: set[str]) -> set[str]:
        """Those of ``scopes`` whose dataset roots are not what this policy computed
        before (a root may be a base whose ``__init__`` logs); the new roots are kept."""
        moved: set[str] = set()
        for scope, roots in list(self._roots.items()):
            if scope not in scopes:
                continue
            now = self.dataset_roots(scope)
            if now != roots:
                moved.add(scope)
                self._roots[scope] = now
        return moved

    def forget_statuses(self) -> None:
        """Class statuses are inherited from logging calls, which an edit may move."""
        self._class_status.clear()

    def finish(self, out: list[EntryPoint]) -> list[EntryPoint]:
        """The passes that relate entry points across modules (kernels, dispatch helpers,
        twins, pending ancestors, placement), then the configured exemptions."""
        self._mark_kernels(out)
        self._mark_dispatch_helpers(out)
        self._pair_twins(out)
        self._mark_pending(out)
        self._place(out)
        self._exempt_configured(out)
        return out

    def same_for_finish(self, before: list[EntryPoint], after: list[EntryPoint]) -> bool:
        """Whether a module's points ``after`` an edit feed ``finish`` what they fed it
        ``before`` (positions aside): the same symbols and roles, the same statuses but
        for functions no dispatcher registers (a function's status reaches no other
        module's point then; its twin is in the same module)."""
        if len(before) != len(after):
            return False
        for old, new in zip(before, after):
            if (
                old.entry.symbol != new.entry.symbol
                or old.role != new.role
                or old.scope != new.scope
                or (old.root, old.chain_break, old.chain_at)
                != (new.root, new.chain_break, new.chain_at)
            ):
                return False
            if (old.entry.status, old.entry.via) != (new.entry.status, new.entry.via) and (
                old.role != ROLE_FUNCTION or old.entry.symbol in self.kernels
            ):
                return False
        return True

    def refinish(self, points: list[EntryPoint], before: list[EntryPoint]) -> list[EntryPoint]:
        """``finish`` for one module's points, when ``same_for_finish`` holds for them:
        what the passes found across modules stands (kernels, dispatch helpers), the
        pending ancestors and hosts of its classes are those of ``before`` (the points
        of the last ``finish``, in the same order), its twins are paired again."""
        self._exempt_kernels(points, self.kernels)
        self._exempt_dispatch_helpers(points, self._served, self._machinery_of)
        self._pair_twins(points)
        for point, old in zip(points, before):
            point.pending, point.host = old.pending, old.host
        self._exempt_configured(points)
        return points

    def _exempt_configured(self, points: list[EntryPoint]) -> None:
        exempt = self._exempt
        for point in points:
            symbol = point.entry.symbol
            if symbol not in exempt:
                exempt[symbol] = self.settings.is_exempt(symbol)
            if point.entry.status != EXEMPT and exempt[symbol]:
                point.entry = _with(point.entry, status=EXEMPT, via="configured exempt")
                point.role = ROLE_EXEMPT

    def _entry(
        self, module: Module, fact: ClassFact | FunctionFact, kind: str, status: str, via: str
    ) -> Entry:
        return Entry(
            symbol=_event(module, fact.name),
            kind=kind,
            subpackage=module.scope,
            path=module.display,
            line=fact.span.line,
            status=status,
            via=via,
            event=_event(module, fact.name),
        )

    def _module_classes(
        self, module: Module, policy: ScopePolicy, roots: set[str]
    ) -> list[EntryPoint]:
        if policy.classes == "none":
            return []
        strict = self.settings.strict_for(module.scope)
        out: list[EntryPoint] = []
        for cls in module.facts.classes:
            if cls.nested or module.defined.get(cls.name) is not cls:
                continue
            qualified = _event(module, cls.name)
            if policy.classes == "datasets":
                point = self._dataset_point(module, cls, roots, strict)
                if point is not None:
                    out.append(point)
                continue
            built = policy.classes == "main-modules" and qualified in self.built_classes(
                module.scope
            )
            if not self.index.is_public(module, cls.name) and not (
                built and not cls.name.startswith("_")
            ):
                continue  # a class a public builder returns is API even if unlisted
            if self.index.derives(qualified, self.settings.non_api_bases):
                if policy.classes == "main-modules":
                    entry = self._entry(module, cls, KIND_CLASS, EXEMPT, "enum or non-API class")
                    out.append(EntryPoint(entry, module, cls, ROLE_EXEMPT, module.scope))
                continue
            if policy.classes == "public" and self.is_data_holder(qualified):
                continue
            if policy.classes in ("modules", "main-modules") and not self.index.derives(
                qualified, self.settings.module_bases
            ):
                continue
            if policy.classes == "main-modules":
                listed = module.all_set is not None and cls.name in module.all_set
                if not listed and not built:
                    continue  # a submodule: not an entry point
            status, via = self.class_status(qualified, strict)
            entry = self._entry(module, cls, KIND_CLASS, status, via)
            out.append(EntryPoint(entry, module, cls, ROLE_CLASS, module.scope))
        return out

    def _dataset_point(
        self, module: Module, cls: ClassFact, roots: set[str], strict: bool
    ) -> EntryPoint | None:
        qualified = _event(module, cls.name)
        if qualified in roots:
            status = LOGGED if self.class_logs(module, cls) else MISSING
            entry = self._entry(module, cls, KIND_CLASS, status, "")
            return EntryPoint(entry, module, cls, ROLE_DATASET_ROOT, module.scope, root=qualified)
        if not self.index.is_public(module, cls.name) or not self.is_dataset(qualified):
            return None
        if self.class_logs(module, cls):
            entry = self._entry(module, cls, KIND_CLASS, LOGGED, "")
            return EntryPoint(entry, module, cls, ROLE_DATASET, module.scope)
        root, kind, at, target = self.dataset_chain(qualified, roots)
        status, via = MISSING, ""
        if root:
            root_status, _ = self.class_status(root, False)
            if root_status == LOGGED and not strict:
                status, via = INHERITED, root
        entry = self._entry(module, cls, KIND_CLASS, status, via)
        point = EntryPoint(entry, module, cls, ROLE_DATASET, module.scope, root=target)
        point.chain_break, point.chain_at = kind, at
        return point

    def _module_functions(self, module: Module, policy: ScopePolicy) -> list[EntryPoint]:
        out: list[EntryPoint] = []
        if policy.functions == "functional" and "functional" not in module.parts:
            return out
        builders = policy.functions == "none" and policy.classes == "main-modules"
        if policy.functions == "none" and not builders:
            return out
        for fn in module.facts.functions:
            if module.defined.get(fn.name) is not fn:
                continue  # an earlier definition (overloads, redefinitions)
            if not self.index.is_public(module, fn.name):
                continue
            if builders:
                entry = self._entry(module, fn, KIND_FUNCTION, EXEMPT, "builder")
                out.append(EntryPoint(entry, module, fn, ROLE_EXEMPT, module.scope))
                continue
            status = LOGGED if self.function_logs(module, fn) else MISSING
            entry = self._entry(module, fn, KIND_FUNCTION, status, "")
            out.append(EntryPoint(entry, module, fn, ROLE_FUNCTION, module.scope))
        return out

    def registering(self, module: Module) -> list[_Registration]:
        """The registrations of kernels in ``module``, in source order: a decorator call
        with a first argument (``@register(resize, Image)``), then module-level
        ``register(resize, Image)(kernel)`` calls. Names only: computed once."""
        found = self._registering.get(module.name)
        if found is not None:
            return found
        out: list[_Registration] = []
        for fn in module.facts.functions:
            for dec in fn.decorators:
                if not dec.first_arg:
                    continue
                kernels = [_event(module, fn.name)]
                if fn.name.startswith("_"):
                    for called in fn.calls:  # a private wrapper around a kernel beside it
                        kernel = self.index.resolve(module, called)
                        if kernel.rpartition(".")[0] == module.name:
                            kernels.append(kernel)
                target = self.index.resolve(module, dec.first_arg)
                out.append(_Registration(target, tuple(kernels), self._machinery(module, dec.name)))
        for register, first, kernel in module.facts.registrations:
            out.append(
                _Registration(
                    self.index.resolve(module, first),
                    (self.index.resolve(module, kernel),),
                    self._machinery(module, register),
                )
            )
        self._registering[module.name] = out
        return out

    def _registered_modules(self, points: list[EntryPoint]) -> list[Module]:
        """The modules of ``points`` that register kernels, in the order of the points
        (which modules have points is a matter of names: computed once)."""
        if self._registered is None:
            modules = {p.module.name: p.module for p in points}.values()
            self._registered = [m for m in modules if self.registering(m)]
        return self._registered

    def _machinery(self, module: Module, register: str) -> str:
        """The project function a registering call names, or ""."""
        target = self.index.resolve(module, register)
        return target if self.index.function_fact(target) is not None else ""

    def _mark_kernels(self, points: list[EntryPoint]) -> None:
        """A kernel registered to a dispatcher entry point is covered by its dispatcher.

        Registration is derived from the code: a decorator call whose first
        argument is a dispatcher (``@register(resize, Image)``), a module-level
        ``register(resize, Image)(kernel)``, or a registered private wrapper that
        calls the public kernel.
        """
        dispatchers = {p.entry.symbol for p in points if p.role == ROLE_FUNCTION}
        kernels: dict[str, str] = {}
        for module in self._registered_modules(points):
            for registration in self.registering(module):
                if registration.target in dispatchers:
                    for kernel in registration.kernels:
                        kernels.setdefault(kernel, registration.target)
        self.kernels = kernels
        self._exempt_kernels(points, kernels)

    def _exempt_kernels(self, points: list[EntryPoint], kernels: dict[str, str]) -> None:
        for point in points:
            if point.role != ROLE_FUNCTION or point.entry.status == LOGGED:
                continue
            target = kernels.get(point.entry.symbol)
            if target and target != point.entry.symbol:
                point.entry = _with(point.entry, status=EXEMPT, via=f"kernel of {target}")
                point.role = ROLE_EXEMPT

    def _mark_dispatch_helpers(self, points: list[EntryPoint]) -> None:
        """Public functions of the module that holds the kernel dispatch are its helpers.

        That module is derived from the code: it defines the decorator that
        registers kernels to dispatchers (``_register_kernel_internal`` in
        ``transforms/v2/functional/_utils.py``). What else it exports serves the
        dispatch (``is_pure_tensor``, which torchvision's own functionals call,
        so its event would fire for every v2 user) or extends it
        (``register_kernel``); neither transforms an input.
        """
        dispatchers = {p.entry.symbol for p in points if p.role == ROLE_FUNCTION}
        machinery: dict[str, str] = {}  # module → the registering decorator it defines
        served: set[str] = set()  # dispatchers that kernels are registered to
        for module in self._registered_modules(points):
            registering = [r for r in self.registering(module) if r.target in dispatchers]
            served.update(r.target for r in registering)
            for registration in registering:
                if registration.machinery:
                    owner, _, short = registration.machinery.rpartition(".")
                    machinery.setdefault(owner, short)
        self._served, self._machinery_of = served, machinery
        self._exempt_dispatch_helpers(points, served, machinery)

    def _exempt_dispatch_helpers(
        self, points: list[EntryPoint], served: set[str], machinery: dict[str, str]
    ) -> None:
        for point in points:
            if point.role != ROLE_FUNCTION or point.entry.status == LOGGED:
                continue
            if point.entry.symbol in served:
                continue  # a dispatcher beside the machinery is still a transform
            decorator = machinery.get(point.module.name)
            if decorator:
                via = f"helper of the kernel dispatch (its module defines `{decorator}`)"
                point.entry = _with(point.entry, status=EXEMPT, via=via)
                point.role = ROLE_EXEMPT

    def _mark_pending(self, points: list[EntryPoint]) -> None:
        """A missing class whose chain reaches a missing class entry point is covered
        once that ancestor logs: report (and fix) the ancestor only."""
        missing = {
            p.entry.symbol for p in points if p.role == ROLE_CLASS and p.entry.status == MISSING
        }
        for point in points:
            if point.role != ROLE_CLASS or point.entry.status != MISSING:
                continue
            if self.settings.strict_for(point.scope):
                continue
            current = point.entry.symbol
            seen = {current}
            while _chain_intact(self.index, current):
                found = self.index.class_fact(current)
                assert found is not None
                module, cls = found
                parents = [b for b in self.index.bases(module, cls) if self.index.class_fact(b)]
                if not parents or parents[0] in seen:
                    break
                current = parents[0]
                seen.add(current)
                if current in missing:
                    point.pending = current
                    break

    def _place(self, points: list[EntryPoint]) -> None:
        """Pick, for every missing class, the ``__init__`` its fix logs in."""
        status = {p.entry.symbol: p.entry.status for p in points if p.role == ROLE_CLASS}
        todo = [
            p
            for p in points
            if p.role == ROLE_CLASS
            and p.entry.status == MISSING
            and not p.pending
            and not self.settings.strict_for(p.scope)
        ]
        if self._families is None:
            self._families = families(self.index, self.init_chains)
        hosts = choose_hosts(
            self.index, [p.entry.symbol for p in todo], status, self.init_chains, self._families
        )
        for point in todo:
            point.host = hosts.get(point.entry.symbol, "")

    def _pair_twins(self, points: list[EntryPoint]) -> None:
        by_module: dict[str, dict[str, list[EntryPoint]]] = {}
        twins: dict[str, bool] = {}  # scope → whether its policy pairs twins
        for point in points:
            if point.scope not in twins:
                policy = self.settings.scope(point.scope)
                twins[point.scope] = policy is not None and policy.twins
            if not twins[point.scope] or point.role not in (ROLE_CLASS, ROLE_FUNCTION):
                continue
            key = point.fact.name.lower().replace("_", "")
            by_module.setdefault(point.module.name, {}).setdefault(key, []).append(point)
        for groups in by_module.values():
            for group in groups.values():
                classes = [p for p in group if p.role == ROLE_CLASS]
                functions = [p for p in group if p.role == ROLE_FUNCTION]
                if len(classes) != 1 or len(functions) != 1:
                    continue
                cls, fn = classes[0], functions[0]
                cls.twin, fn.twin = fn.entry.symbol, cls.entry.symbol
                cls.twin_logs = fn.entry.status in (LOGGED, INHERITED)
                fn.twin_logs = cls.entry.status in (LOGGED, INHERITED)


def _chain_intact(index: Index, qualified: str) -> bool:
    found = index.class_fact(qualified)
    return found is not None and (found[1].init is None or found[1].init.calls_super_init)


def _with(entry: Entry, **changes: str) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)
