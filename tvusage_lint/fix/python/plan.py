"""The plan: each finding's fix checked against the original tree and recorded as what
changes where (a call rewritten, a line wrapped or moved, a call inserted, an import,
a comment), or skipped with its reason. Fixes meeting on one def or call are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from tvusage_lint.core.findings import Finding
from tvusage_lint.core.suppressions import strip_comment
from tvusage_lint.fix import ACTIONS, constructor
from tvusage_lint.fix.python.imports import (
    _parse_import,
)
from tvusage_lint.fix.python.nodes import (
    _body_start,
    _logged_args,
    _module_names,
    guard_kind,
    is_early_return,
)
from tvusage_lint.fix.python.sites import _Index, _Site
from tvusage_lint.python.facts import HELPER

STYLES = ("constructor", "wrap", "after-early-return")


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
