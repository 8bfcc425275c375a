"""What the Python rule units share: the context they read, where findings go, the fixes.

A unit gets a :class:`Context` (the index, the settings, the import style each
module follows, memoised for the run) and one thing of its family: an entry
point (TVU101-TVU105), a logging call as a :class:`LogSite` (TVU201-TVU205,
TVU207, TVU208) or a module (TVU206). Fixes built by several codes live here:
the missing call's insertion (TVU101, TVU102, TVU104, TVU105, and TVU304 in
``link/``), the rewrite of a call (TVU204, TVU205) and the move (TVU201, TVU202).
"""

from __future__ import annotations

from dataclasses import dataclass

from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import MISSING
from tvusage_lint.core.findings import Applicability, Finding, Fix
from tvusage_lint.python.index import Index, Module
from tvusage_lint.python import facts as F
from tvusage_lint.python.facts import ClassFact, FunctionFact, LogCall
from tvusage_lint.python.placement import init_chain
from tvusage_lint.python.policy import EntryPoint

# the families: what each driver hands a unit (``Checker``), besides the context
ENTRY_POINT = "python.entry-point"  # run(ctx, point: EntryPoint) -> Finding | None
LOG_CALL = "python.log-call"  # run(ctx, site: LogSite) -> Finding | None
MODULE = "python.module"  # run(ctx, module: Module) -> Finding | None

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE

Params = tuple[tuple[str, str], ...]


class Context:
    """The run a unit is part of: the index, the settings, each module's import style."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._styles: dict[str, bool] = {}  # module → relative imports? (scans siblings once)
        self._packages: dict[str, list[Module]] | None = None  # package → its modules

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


def short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def function_style(fn: FunctionFact) -> str:
    if fn.early_return_index is not None and fn.early_return_index == fn.body_start:
        return "after-early-return"
    return "wrap"


def finding(
    module: Module,
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
        path=module.display,
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


# --- entry points: TVU101-TVU105 (and TVU304 at its Python caller) -------------------------


def unlogged(point: EntryPoint) -> bool:
    """An entry point whose own finding is due: missing, and not covered once an
    ancestor's finding is fixed (``pending``)."""
    return point.entry.status == MISSING and not point.pending


def twin_logs(point: EntryPoint) -> bool:
    """Its ops twin (class ↔ function) logs: TVU105 says so instead of TVU101/TVU102."""
    return bool(point.twin and point.twin_logs)


def at_header(point: EntryPoint, code: str, message: str, fix: Fix | None = None) -> Finding:
    """A finding on an entry point's header: its ``def``/``class`` name."""
    fact = point.fact
    line, col = fact.span.line, fact.span.col
    keyword = "class " if isinstance(fact, ClassFact) else "def "
    return finding(
        point.module,
        code,
        message,
        fix=fix,
        line=line,
        col=col,
        end_line=line,
        end_col=col + len(keyword) + len(fact.name),
        symbol=point.entry.symbol,
        event=point.entry.event,
        def_line=fact.first_line,
    )


def missing_fix(ctx: Context, point: EntryPoint) -> Fix | None:
    """The inserted call a missing entry point gets (TVU101, TVU102, TVU105): in the
    base ``__init__`` placement chose, in its own ``__init__``, or at the top of the
    function."""
    module, fact = point.module, point.fact
    if isinstance(fact, ClassFact) and point.host and point.host != point.entry.symbol:
        return base_fix(ctx, point.host, module, fact)
    if not ctx.can_fix(module):
        return None
    if isinstance(fact, ClassFact):
        return class_fix(ctx, module, fact)
    return function_fix(ctx, module, fact)


def base_fix(ctx: Context, host: str, module: Module, cls: ClassFact) -> Fix | None:
    """Log in the base ``__init__`` python/placement.py chose; ``self`` is still the
    instance, so the event stays this class's name."""
    found = ctx.index.class_fact(host)
    if found is None or found[1].init is None or not ctx.can_fix(found[0]):
        return None
    host_module, host_cls = found
    init = host_cls.init
    assert init is not None
    params: Params = (
        ("arg", "self"),
        ("style", "constructor"),
        ("import", ctx.import_param(host_module)),
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


def class_fix(ctx: Context, module: Module, cls: ClassFact) -> Fix | None:
    if cls.init is None:
        return _inherited_init_fix(ctx, module, cls)
    where = "after `super().__init__()`" if cls.init.super_init_index is not None else "first"
    return Fix(
        title=f"Insert `_log_api_usage_once(self)` {where} in `{cls.name}.__init__`",
        applicability=SAFE,
        action="insert-log",
        target=cls.init.qualname,
        params=(
            ("arg", "self"),
            ("style", "constructor"),
            ("import", ctx.import_param(module)),
        ),
    )


def _inherited_init_fix(ctx: Context, module: Module, cls: ClassFact) -> Fix | None:
    """No ``__init__`` of its own: log in the project ancestor whose ``__init__`` it runs.

    Without a base but ``object`` (and without ``__new__``), a new
    ``def __init__(self) -> None:`` changes nothing but logging, so the class
    gets one (torchvision's fix for ``ToTensor``). Otherwise inventing a
    constructor would change more than logging; the ancestor's
    call logs ``self``, so the event is still this class's name. Under
    ``--strict`` that does not count, so there is no fix.
    """
    if "__new__" not in cls.methods and all(
        base == "builtins.object" for base in ctx.index.bases(module, cls)
    ):
        return Fix(
            title=f"Add `def __init__(self) -> None:` to `{cls.name}` with "
            "`_log_api_usage_once(self)`",
            applicability=SAFE,
            action="add-init",
            target=cls.name,
            params=(("import", ctx.import_param(module)),),
        )
    if ctx.settings.strict_for(module.scope):
        return None
    chain = init_chain(ctx.index, f"{module.name}.{cls.name}")
    return base_fix(ctx, chain[0], module, cls) if chain else None


def function_fix(ctx: Context, module: Module, fn: FunctionFact) -> Fix:
    """The call inserted at the top of a public function (TVU102's fix, and TVU304's)."""
    style = function_style(fn)
    where = "after the scripting early return" if style == "after-early-return" else "guarded"
    return Fix(
        title=f"Insert `_log_api_usage_once({fn.name})` at the top of `{fn.name}` ({where})",
        applicability=SAFE,
        action="insert-log",
        target=fn.qualname,
        params=(("arg", fn.name), ("style", style), ("import", ctx.import_param(module))),
    )


# --- logging calls: TVU201-TVU208 ---------------------------------------------------------


@dataclass(frozen=True)
class LogSite:
    """A logging call with what every call rule asks of it, worked out once."""

    module: Module
    call: LogCall
    symbol: str  # the definition that holds the call
    event: str  # its event ("" outside an entry point's def)
    def_line: int
    fn: FunctionFact | None  # the ``__init__`` or function whose body holds it
    in_init: bool
    in_function: bool
    misplaced: str  # why the call is somewhere logging does not belong (TVU207), or ""
    pos: Params  # the call's place, as a fix names it
    shown: str  # the call as the messages quote it

    @property
    def outdated(self) -> bool:
        """An outdated form (TVU205): string argument, two arguments, ``torch._C``."""
        return self.call.form in (F.FORM_STRING, F.FORM_TWO_ARGS, F.FORM_TORCH_C)

    @property
    def regular(self) -> bool:
        """In a place logging belongs and in the current form: what TVU201-TVU204 and
        TVU208 judge (a misplaced or outdated call has one finding, TVU207 or TVU205)."""
        return not self.misplaced and not self.outdated

    @property
    def want(self) -> str:
        """What the call should log: ``self`` in a constructor, else the function."""
        assert self.fn is not None
        return "self" if self.in_init else self.fn.name


def owner(module: Module, call: LogCall) -> tuple[str, str, int, FunctionFact | None]:
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


def log_site(module: Module, call: LogCall) -> LogSite:
    symbol, event, def_line, fn = owner(module, call)
    in_init = call.scope == F.SCOPE_METHOD and call.owner.endswith(".__init__") and fn is not None
    in_function = call.scope == F.SCOPE_FUNCTION and fn is not None
    misplaced = ""
    if call.scope == F.SCOPE_MODULE:
        misplaced = "at module level"
    elif call.scope == F.SCOPE_NESTED:
        misplaced = f"in nested definition `{call.owner}`"
    elif call.scope == F.SCOPE_METHOD and not in_init:
        misplaced = f"in `{call.owner}`, a method other than `__init__`"
    elif in_function and call.form == F.FORM_OBJECT and call.arg == "self":
        misplaced = f"logs `self` in `{call.owner}`, which is not a method"
    return LogSite(
        module=module,
        call=call,
        symbol=symbol,
        event=event,
        def_line=def_line,
        fn=fn,
        in_init=in_init,
        in_function=in_function,
        misplaced=misplaced,
        pos=(("line", str(call.span.line)), ("col", str(call.span.col))),
        shown=call_text(call),
    )


def at_call(
    site: LogSite, code: str, message: str, fix: Fix | None = None, at_guard: bool = False
) -> Finding:
    """A finding at the call, or (``at_guard``) from the ``if`` that wraps it."""
    span = site.call.span
    start = site.call.stmt_span if at_guard else span
    return finding(
        site.module,
        code,
        message,
        line=start.line,
        col=start.col,
        end_line=span.end_line,
        end_col=span.end_col,
        symbol=site.symbol,
        event=site.event,
        def_line=site.def_line,
        fix=fix,
    )


def rewrite_fix(ctx: Context, site: LogSite) -> Fix | None:
    """The call replaced by ``_log_api_usage_once(<want>)``, guarded when a function's
    call has no guard (TVU204, TVU205)."""
    fn = site.fn
    assert fn is not None
    if not ctx.can_fix(site.module):
        return None
    guard = "wrap" if site.in_function and site.call.guard == F.GUARD_NONE else "none"
    import_from = ctx.import_param(site.module)
    return Fix(
        title=f"Replace with `_log_api_usage_once({site.want})`",
        applicability=SAFE,
        action="rewrite-log",
        target=fn.qualname,
        params=(*site.pos, ("arg", site.want), ("guard", guard), ("import", import_from)),
    )


def before_super(site: LogSite) -> bool:
    """A constructor's call placed before its ``super().__init__()`` (TVU202, not TVU201)."""
    fn, index = site.fn, site.call.stmt_index
    if not site.in_init or fn is None:
        return False
    sup = fn.super_init_index
    return sup is not None and index is not None and index < sup


def move_fix(fn: FunctionFact, pos: Params, style: str, where: str) -> Fix:
    """The call moved to where it belongs (TVU201, TVU202): it may then run earlier or
    later than other statements, hence unsafe."""
    return Fix(
        title=f"Move the logging call {where if where != 'first' else 'to the top'}",
        applicability=UNSAFE,
        action="move-log",
        target=fn.qualname,
        params=(*pos, ("style", style)),
    )


def call_text(call: LogCall) -> str:
    if call.form == F.FORM_OBJECT:
        return f"{call.callee}({call.arg})"
    if call.form == F.FORM_STRING:
        return f'{call.callee}("{call.arg}")'
    return f"{call.callee}(...)"
