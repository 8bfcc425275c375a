"""The Python rules: entry points and logging calls in, findings out.

Each rule is one small function over facts. None of them parses, prints or
writes; fixes are described (``Fix``) and carried out by ``tvusage_lint.fix``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tvusage_lint.config import Settings
from tvusage_lint.entries import MISSING
from tvusage_lint.findings import Applicability, Finding, Fix, crash_finding
from tvusage_lint.index import Index, Module
from tvusage_lint.python import facts as F
from tvusage_lint.python import layer_rules
from tvusage_lint.python.facts import ClassFact, FunctionFact, LogCall
from tvusage_lint.python.placement import init_chain
from tvusage_lint.python.policy import (
    BREAK_NO_SUPER,
    ROLE_CLASS,
    ROLE_DATASET,
    ROLE_DATASET_ROOT,
    ROLE_FUNCTION,
    EntryPoint,
)

GUARD_TEXT = "if not torch.jit.is_scripting() and not torch.jit.is_tracing():"
SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


class Checker:
    """Runs every Python rule over the modules named on the command line."""

    def __init__(self, index: Index, settings: Settings, points: list[EntryPoint]) -> None:
        self.index = index
        self.settings = settings
        self.points = points
        self._styles: dict[str, bool] = {}  # module → relative imports? (scans siblings once)
        self._packages: dict[str, list[Module]] | None = None  # package → its modules

    def run(self) -> dict[str, list[Finding]]:
        """Findings per displayed path; a crash in one rule costs only that rule's findings."""
        out: dict[str, list[Finding]] = {}
        layers = any(self.settings.enabled(code) for code in layer_rules.CODES.values())
        for point in self.points:
            if point.module.report:
                bucket = out.setdefault(point.module.display, [])
                _guarded(
                    bucket,
                    point.module.display,
                    "the entry-point rules (TVU101-TVU105)",
                    lambda point=point: list(self.missing(point)),
                )
        for module in self.index.modules.values():
            if not module.report:
                continue
            bucket = out.setdefault(module.display, [])
            if module.facts.error:
                bucket.append(self.parse_error(module))
                continue
            _guarded(
                bucket,
                module.display,
                "the call rules (TVU201-TVU208)",
                lambda module=module: list(self.calls(module)),
            )
            if layers:
                _guarded(
                    bucket,
                    module.display,
                    "the layer rules (TVU401-TVU405)",
                    lambda module=module: layer_rules.check(module, self.settings),
                )
        return out

    # --- TVU001 -------------------------------------------------------------------------

    def parse_error(self, module: Module) -> Finding:
        facts = module.facts
        return Finding(
            path=module.display,
            line=facts.error_line or 1,
            column=facts.error_col + 1,
            code="TVU001",
            message=f"cannot check this file: {facts.error}",
        )

    # --- helpers for fixes ----------------------------------------------------------------

    def can_fix(self, module: Module) -> bool:
        """Whether an inserted call would resolve: the file binds the helper, or it can
        import it from the module that defines it (torchvision 0.11 defines none)."""
        if module.facts.helper_bound:
            return True
        return self.index.helper_defined and module.name != self.index.helper_module

    def import_param(self, module: Module) -> str:
        """ "" when the helper is bound, else the module to import it from, in the file's style."""
        if module.facts.helper_bound or module.name == self.index.helper_module:
            return ""
        return self.import_source(module)

    def import_source(self, module: Module) -> str:
        helper = self.index.helper_module
        relative = self._relative_style(module)
        if not relative:
            return helper
        mine = module.package.split(".")
        theirs = helper.split(".")
        common = 0
        while common < min(len(mine), len(theirs) - 1) and mine[common] == theirs[common]:
            common += 1
        if common == 0:
            return helper
        level = len(mine) - common + 1
        return "." * level + ".".join(theirs[common:])

    def _relative_style(self, module: Module) -> bool:
        """The import style to follow, most specific first: how siblings import the
        helper, how this file and then its siblings import the helper's module
        (``from ..utils import _make_ntuple``), how this file imports project
        modules, how siblings do."""
        if module.name not in self._styles:
            self._styles[module.name] = self._find_style(module)
        return self._styles[module.name]

    def _find_style(self, module: Module) -> bool:
        top = module.top
        if self._packages is None:  # once per run: a scan per module is quadratic
            self._packages = {}
            for other in self.index.modules.values():
                self._packages.setdefault(other.package, []).append(other)
        siblings = [other for other in self._packages[module.package] if other is not module]

        helper_module = self.index.helper_module

        def votes(
            modules: list[Module], helper_only: bool, module_only: bool = False
        ) -> bool | None:
            relative = absolute = 0
            for other in modules:
                for imp in other.facts.imports:
                    if not imp.is_from:
                        continue
                    if helper_only and not any(n == F.HELPER for n, _ in imp.names):
                        continue
                    if module_only and other.absolute(imp.module, imp.level) != helper_module:
                        continue
                    if imp.level > 0:
                        relative += 1
                    elif imp.module.split(".")[0] == top:
                        absolute += 1
            return None if relative == absolute else relative > absolute

        for choice in (
            votes(siblings, True),
            votes([module], False, module_only=True),
            votes(siblings, False, module_only=True),
            votes([module], False),
            votes(siblings, False),
        ):
            if choice is not None:
                return choice
        return True

    def function_style(self, fn: FunctionFact) -> str:
        if fn.early_return_index is not None and fn.early_return_index == fn.body_start:
            return "after-early-return"
        return "wrap"

    def _finding(
        self,
        point_module: Module,
        code: str,
        message: str,
        *,
        line: int,
        col: int,
        end_line: int,
        end_col: int,
        symbol: str,
        event: str,
        def_line: int,
        fix: Fix | None = None,
    ) -> Finding:
        return Finding(
            path=point_module.display,
            line=line,
            column=col + 1,
            code=code,
            message=message,
            end_line=end_line,
            end_column=end_col + 1,
            symbol=symbol,
            event=event,
            fix=fix,
            def_line=def_line,
        )

    def _header(self, point: EntryPoint) -> dict:
        """Where a finding about a whole entry point goes: its ``def``/``class`` name."""
        fact = point.fact
        line, col = fact.span.line, fact.span.col
        keyword = "class " if isinstance(fact, ClassFact) else "def "
        return dict(
            line=line,
            col=col,
            end_line=line,
            end_col=col + len(keyword) + len(fact.name),
            symbol=point.entry.symbol,
            event=point.entry.event,
            def_line=fact.first_line,
        )

    def at_header(
        self, point: EntryPoint, code: str, message: str, fix: Fix | None = None
    ) -> Finding:
        """A finding on an entry point's header (the operator rules report there too)."""
        return self._finding(point.module, code, message, fix=fix, **self._header(point))

    # --- TVU101 TVU102 TVU103 TVU104 TVU105: entry points that do not log -----------------

    def missing(self, point: EntryPoint) -> Iterator[Finding]:
        entry = point.entry
        if entry.status != MISSING or point.pending:
            return  # pending: the ancestor's finding covers this class once fixed
        module, fact = point.module, point.fact
        common = self._header(point)
        scope = point.scope
        if point.role == ROLE_DATASET and not point.chain_break and point.root:
            # the chain is intact: only --strict (no coverage through inheritance) gets here
            if self.settings.strict_for(scope) and self.settings.enabled("TVU101", scope):
                assert isinstance(fact, ClassFact)
                yield self._finding(
                    module,
                    "TVU101",
                    f"`{fact.name}` does not call `_log_api_usage_once(self)` itself "
                    "(strict: coverage through the dataset base does not count)",
                    fix=self._class_fix(module, fact),
                    **common,
                )
            return
        if point.role == ROLE_DATASET:
            if point.chain_break and self.settings.enabled("TVU103", scope):
                where = _short(point.chain_at)
                if point.chain_break == BREAK_NO_SUPER:
                    root = _short(point.root)
                    message = (
                        f"dataset `{fact.name}` does not reach `{root}.__init__`, which logs for "
                        f"every dataset: `{where}.__init__` does not call `super().__init__()`"
                    )
                elif point.root:
                    root = _short(point.root)
                    message = (
                        f"dataset `{fact.name}` does not derive from `{root}`, whose `__init__` "
                        "logs for every dataset"
                    )
                else:
                    message = (
                        f"dataset `{fact.name}` does not derive from the dataset base class, "
                        "whose `__init__` logs for every dataset"
                    )
                yield self._finding(module, "TVU103", message, **common)
            return
        if point.role == ROLE_DATASET_ROOT:
            if self.settings.enabled("TVU104", scope):
                assert isinstance(fact, ClassFact)
                yield self._finding(
                    module,
                    "TVU104",
                    f"dataset base `{fact.name}.__init__` does not call "
                    "`_log_api_usage_once(self)`; every dataset relies on it",
                    fix=self._class_fix(module, fact),
                    **common,
                )
            return
        if point.twin and point.twin_logs:
            code = "TVU105"
            twin = _short(point.twin)
            if point.role == ROLE_CLASS:
                message = f"`{fact.name}` does not log but its functional twin `{twin}` does"
            else:
                message = f"`{fact.name}` does not log but its twin class `{twin}` does"
        elif point.role == ROLE_CLASS:
            code = "TVU101"
            assert isinstance(fact, ClassFact)
            if fact.init is None:
                message = (
                    f"public class `{fact.name}` has no `__init__` that calls "
                    "`_log_api_usage_once(self)` and no ancestor covers it"
                )
            elif not fact.init.calls_super_init:
                message = (
                    f"`{fact.name}.__init__` does not call `_log_api_usage_once(self)` "
                    "(and does not call `super().__init__()`, so no ancestor covers it)"
                )
            else:
                message = (
                    f"`{fact.name}.__init__` does not call `_log_api_usage_once(self)` "
                    "and no ancestor covers it"
                )
        elif point.role == ROLE_FUNCTION:
            code = "TVU102"
            message = (
                f"public function `{fact.name}` does not call `_log_api_usage_once({fact.name})`"
            )
        else:
            return
        if not self.settings.enabled(code, scope):
            return
        if isinstance(fact, ClassFact) and point.host and point.host != entry.symbol:
            fix = self._base_fix(point.host, module, fact)
        elif not self.can_fix(module):
            fix = None
        elif isinstance(fact, ClassFact):
            fix = self._class_fix(module, fact)
        else:
            fix = self._function_fix(module, fact)
        yield self._finding(module, code, message, fix=fix, **common)

    def _base_fix(self, host: str, module: Module, cls: ClassFact) -> Fix | None:
        """Log in the base ``__init__`` python/placement.py chose; ``self`` is still the
        instance, so the event stays this class's name."""
        found = self.index.class_fact(host)
        if found is None or found[1].init is None or not self.can_fix(found[0]):
            return None
        host_module, host_cls = found
        init = host_cls.init
        assert init is not None
        params: tuple[tuple[str, str], ...] = (
            ("arg", "self"),
            ("style", "constructor"),
            ("import", self.import_param(host_module)),
        )
        if host_module is not module:
            params += (("file", host_module.display),)
        return Fix(
            title=f"Insert `_log_api_usage_once(self)` in `{init.qualname}`, which `{cls.name}` runs",
            applicability=SAFE,
            action="insert-log",
            target=init.qualname,
            params=params,
        )

    def _class_fix(self, module: Module, cls: ClassFact) -> Fix | None:
        if cls.init is None:
            return self._inherited_init_fix(module, cls)
        where = "after `super().__init__()`" if cls.init.super_init_index is not None else "first"
        return Fix(
            title=f"Insert `_log_api_usage_once(self)` {where} in `{cls.name}.__init__`",
            applicability=SAFE,
            action="insert-log",
            target=cls.init.qualname,
            params=(
                ("arg", "self"),
                ("style", "constructor"),
                ("import", self.import_param(module)),
            ),
        )

    def _inherited_init_fix(self, module: Module, cls: ClassFact) -> Fix | None:
        """No ``__init__`` of its own: log in the project ancestor whose ``__init__`` it runs.

        Without a base but ``object`` (and without ``__new__``), a new
        ``def __init__(self) -> None:`` changes nothing but logging, so the class
        gets one (torchvision's fix for ``ToTensor``). Otherwise inventing a
        constructor would change more than logging; the ancestor's
        call logs ``self``, so the event is still this class's name. Under
        ``--strict`` that does not count, so there is no fix.
        """
        if "__new__" not in cls.methods and all(
            base == "builtins.object" for base in self.index.bases(module, cls)
        ):
            return Fix(
                title=f"Add `def __init__(self) -> None:` to `{cls.name}` with "
                "`_log_api_usage_once(self)`",
                applicability=SAFE,
                action="add-init",
                target=cls.name,
                params=(("import", self.import_param(module)),),
            )
        if self.settings.strict_for(module.scope):
            return None
        chain = init_chain(self.index, f"{module.name}.{cls.name}")
        return self._base_fix(chain[0], module, cls) if chain else None

    def _function_fix(self, module: Module, fn: FunctionFact) -> Fix:
        style = self.function_style(fn)
        where = "after the scripting early return" if style == "after-early-return" else "guarded"
        return Fix(
            title=f"Insert `_log_api_usage_once({fn.name})` at the top of `{fn.name}` ({where})",
            applicability=SAFE,
            action="insert-log",
            target=fn.qualname,
            params=(("arg", fn.name), ("style", style), ("import", self.import_param(module))),
        )

    # --- TVU201 ... TVU208: the logging calls themselves ---------------------------------------

    def calls(self, module: Module) -> Iterator[Finding]:
        facts = module.facts
        reported_import = False
        for call in facts.log_calls:
            yield from self.call(module, call)
            if (
                not reported_import
                and call.callee == F.HELPER
                and not facts.helper_bound
                and self.settings.enabled("TVU206", module.scope)
            ):
                reported_import = True
                yield self._call_finding(
                    module,
                    call,
                    "TVU206",
                    "`_log_api_usage_once` is used but not imported",
                    Fix(
                        title=f"Add `from {self.import_source(module)} import _log_api_usage_once`",
                        applicability=SAFE,
                        action="add-import",
                        params=(("import", self.import_source(module)),),
                    ),
                )

    def _owner(self, module: Module, call: LogCall) -> tuple[str, str, int, FunctionFact | None]:
        """(symbol, event, def_line, def fact) for the definition that holds ``call``."""
        if call.scope == F.SCOPE_METHOD:
            cls = module.defined.get(call.owner_class)
            if isinstance(cls, ClassFact):
                qualified = f"{module.name}.{cls.name}"
                init = cls.init if call.owner.endswith(".__init__") else None
                return qualified, qualified, cls.first_line, init
        if call.scope == F.SCOPE_FUNCTION:
            fn = module.defined.get(call.owner)
            if isinstance(fn, FunctionFact):
                qualified = f"{module.name}.{fn.name}"
                return qualified, qualified, fn.first_line, fn
        symbol = f"{module.name}.{call.owner}" if call.owner else module.name
        return symbol, "", 0, None

    def _call_finding(
        self,
        module: Module,
        call: LogCall,
        code: str,
        message: str,
        fix: Fix | None = None,
        at_guard: bool = False,
    ) -> Finding:
        """A finding at the call, or (``at_guard``) from the ``if`` that wraps it."""
        symbol, event, def_line, _ = self._owner(module, call)
        span = call.span
        start = call.stmt_span if at_guard else span
        return self._finding(
            module,
            code,
            message,
            line=start.line,
            col=start.col,
            end_line=span.end_line,
            end_col=span.end_col,
            symbol=symbol,
            event=event,
            def_line=def_line,
            fix=fix,
        )

    def call(self, module: Module, call: LogCall) -> Iterator[Finding]:
        scope = module.scope
        enabled = self.settings.enabled
        symbol, event, def_line, fn = self._owner(module, call)
        in_init = (
            call.scope == F.SCOPE_METHOD and call.owner.endswith(".__init__") and fn is not None
        )
        in_function = call.scope == F.SCOPE_FUNCTION and fn is not None
        pos = (("line", str(call.span.line)), ("col", str(call.span.col)))
        shown = _call_text(call)

        # TVU207: the call is somewhere logging does not belong.
        misplaced = ""
        if call.scope == F.SCOPE_MODULE:
            misplaced = "at module level"
        elif call.scope == F.SCOPE_NESTED:
            misplaced = f"in nested definition `{call.owner}`"
        elif call.scope == F.SCOPE_METHOD and not in_init:
            misplaced = f"in `{call.owner}`, a method other than `__init__`"
        elif in_function and call.form == F.FORM_OBJECT and call.arg == "self":
            misplaced = f"logs `self` in `{call.owner}`, which is not a method"
        if misplaced:
            if enabled("TVU207", scope):
                yield self._call_finding(module, call, "TVU207", f"`{shown}` {misplaced}")
            return
        assert fn is not None
        want = "self" if in_init else fn.name
        guard_needed = in_function and fn is not None

        # TVU205: outdated forms; TVU204: the wrong object.
        if call.form in (F.FORM_STRING, F.FORM_TWO_ARGS, F.FORM_TORCH_C):
            if enabled("TVU205", scope):
                kind = {
                    F.FORM_STRING: "string argument",
                    F.FORM_TWO_ARGS: "two-argument form",
                    F.FORM_TORCH_C: "direct `torch._C._log_api_usage_once`",
                }[call.form]
                yield self._call_finding(
                    module,
                    call,
                    "TVU205",
                    f"outdated form ({kind}) `{shown}`; use `_log_api_usage_once({want})`",
                    self._rewrite(module, call, want, guard_needed, pos),
                )
            return
        if call.form == F.FORM_OBJECT and call.arg != want:
            if enabled("TVU204", scope):
                what = "constructor" if in_init else f"`{fn.name}`"
                yield self._call_finding(
                    module,
                    call,
                    "TVU204",
                    f"{what} logs `{call.arg}`, not `{want}`: use `_log_api_usage_once({want})`",
                    self._rewrite(
                        module, call, want, guard_needed and call.guard == F.GUARD_NONE, pos
                    ),
                )
        if call.form == F.FORM_OTHER:
            if enabled("TVU204", scope):
                yield self._call_finding(
                    module,
                    call,
                    "TVU204",
                    f"cannot tell what `{shown}` logs: use `_log_api_usage_once({want})`",
                    self._rewrite(
                        module, call, want, guard_needed and call.guard == F.GUARD_NONE, pos
                    ),
                )

        # TVU203 / TVU208: the TorchScript guard of function-level calls.
        if in_function:
            if call.guard == F.GUARD_NONE:
                if enabled("TVU203", scope):
                    yield self._call_finding(
                        module,
                        call,
                        "TVU203",
                        f"`{shown}` is not guarded against TorchScript scripting",
                        Fix(
                            title=f"Wrap it in `{GUARD_TEXT}`",
                            applicability=SAFE,
                            action="wrap-log",
                            target=fn.qualname,
                            params=pos,
                        ),
                    )
            elif call.guard in (F.GUARD_SCRIPTING, F.GUARD_EARLY) and enabled("TVU208", scope):
                fix = None
                if call.guard == F.GUARD_SCRIPTING:
                    fix = Fix(
                        title="Check `torch.jit.is_tracing()` in the guard too",
                        applicability=SAFE,
                        action="rewrite-guard",
                        target=fn.qualname,
                        params=pos,
                    )
                yield self._call_finding(
                    module,
                    call,
                    "TVU208",
                    "guard checks `torch.jit.is_scripting()` but not `torch.jit.is_tracing()`",
                    fix,
                    at_guard=call.guard == F.GUARD_SCRIPTING,
                )

        # TVU201 / TVU202: position.
        yield from self._position(module, call, fn, in_init, pos, shown)

    def _rewrite(
        self, module: Module, call: LogCall, want: str, wrap: bool, pos: tuple[tuple[str, str], ...]
    ) -> Fix | None:
        symbol, _, _, fn = self._owner(module, call)
        assert fn is not None
        if not self.can_fix(module):
            return None
        guard = "wrap" if wrap and call.guard == F.GUARD_NONE else "none"
        import_from = self.import_param(module)
        return Fix(
            title=f"Replace with `_log_api_usage_once({want})`",
            applicability=SAFE,
            action="rewrite-log",
            target=fn.qualname,
            params=(*pos, ("arg", want), ("guard", guard), ("import", import_from)),
        )

    def _position(
        self,
        module: Module,
        call: LogCall,
        fn: FunctionFact,
        in_init: bool,
        pos: tuple[tuple[str, str], ...],
        shown: str,
    ) -> Iterator[Finding]:
        scope = module.scope
        index = call.stmt_index
        if in_init:
            style = "constructor"
            sup = fn.super_init_index
            if sup is not None and index is not None and index < sup:
                if self.settings.enabled("TVU202", scope):
                    yield self._call_finding(
                        module,
                        call,
                        "TVU202",
                        f"`{fn.qualname}` logs before `super().__init__()`; log right after it",
                        self._move(fn, pos, style, "right after `super().__init__()`"),
                    )
                return
            expected = sup + 1 if sup is not None else fn.body_start
            where = "right after `super().__init__()`" if sup is not None else "first"
        else:
            style = self.function_style(fn)
            expected = fn.body_start + (1 if style == "after-early-return" else 0)
            where = (
                "right after the scripting early return"
                if style == "after-early-return"
                else "first"
            )
        if index is not None and _acceptable(index, expected, fn):
            return
        if not self.settings.enabled("TVU201", scope):
            return
        place = "the first statement" if where == "first" else where
        yield self._call_finding(
            module,
            call,
            "TVU201",
            f"`{shown}` is not {place} in `{fn.qualname}`",
            self._move(fn, pos, style, where),
        )

    def _move(
        self, fn: FunctionFact, pos: tuple[tuple[str, str], ...], style: str, where: str
    ) -> Fix:
        return Fix(
            title=f"Move the logging call {where if where != 'first' else 'to the top'}",
            applicability=UNSAFE,
            action="move-log",
            target=fn.qualname,
            params=(*pos, ("style", style)),
        )


def _guarded(
    bucket: list[Finding], path: str, what: str, rule: Callable[[], list[Finding]]
) -> None:
    try:
        bucket.extend(rule())
    except Exception as exc:  # noqa: BLE001 - report the crash, keep the other findings
        bucket.append(crash_finding(path, what, exc))


def _acceptable(index: int, expected: int, fn: FunctionFact) -> bool:
    """The expected place, or anywhere in the docstring-and-local-imports preamble."""
    if index == expected:
        return True
    extra = fn.preamble_end - fn.body_start
    return expected == fn.body_start and extra > 0 and expected <= index <= fn.preamble_end


def _call_text(call: LogCall) -> str:
    if call.form == F.FORM_OBJECT:
        return f"{call.callee}({call.arg})"
    if call.form == F.FORM_STRING:
        return f'{call.callee}("{call.arg}")'
    if call.form in (F.FORM_TORCH_C, F.FORM_TWO_ARGS):
        return f"{call.callee}(...)"
    return f"{call.callee}(...)"
