"""The Python driver: hands each registered unit its entry points, logging calls, modules.

It knows no rule: it asks ``codes`` for the units of each family and skips the
codes a scope switches off. A crash costs only the findings of what it was
checking: one entry point, or one module's call rules, or its layer rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tvusage_lint.core import codes
from tvusage_lint.core.config import Settings
from tvusage_lint.core.findings import Finding, crash_finding, parse_error
from tvusage_lint.python.index import Index, Module
from tvusage_lint.python.policy import EntryPoint
from tvusage_lint.python.rules import hand_rolled
from tvusage_lint.python.rules.common import ENTRY_POINT, LOG_CALL, MODULE, Context, log_site


class Checker:
    """Runs every Python rule over the modules named on the command line."""

    def __init__(self, index: Index, settings: Settings, points: list[EntryPoint]) -> None:
        self.index = index
        self.settings = settings
        self.points = points
        self.context = Context(index, settings)
        self._entry_units = codes.units(ENTRY_POINT)
        self._call_units = codes.units(LOG_CALL)
        self._module_units = codes.units(MODULE)

    def run(self) -> dict[str, list[Finding]]:
        """Findings per displayed path; a crash in one rule costs only that rule's findings."""
        out: dict[str, list[Finding]] = {}
        layers = any(self.settings.enabled(u.code) for u in codes.units(hand_rolled.LAYER))
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
            facts = module.facts
            if facts.error:
                message = f"cannot check this file: {facts.error}"
                bucket.append(
                    parse_error(module.display, message, facts.error_line or 1, facts.error_col + 1)
                )
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
                    lambda module=module: hand_rolled.check(module, self.settings),
                )
        return out

    def missing(self, point: EntryPoint) -> Iterator[Finding]:
        """The entry-point units' findings on one entry point."""
        for unit in self._entry_units:
            if self.settings.enabled(unit.code, point.scope):
                found = unit.run(self.context, point)
                if found is not None:
                    yield found

    def calls(self, module: Module) -> Iterator[Finding]:
        """The call units' findings on each logging call of one module, then the module's."""
        scope = module.scope
        call_units = [u for u in self._call_units if self.settings.enabled(u.code, scope)]
        for call in module.facts.log_calls:
            site = log_site(module, call)
            assert site.misplaced or site.fn is not None
            for unit in call_units:
                found = unit.run(self.context, site)
                if found is not None:
                    yield found
        for unit in self._module_units:
            if self.settings.enabled(unit.code, scope):
                found = unit.run(self.context, module)
                if found is not None:
                    yield found


def _guarded(
    bucket: list[Finding], path: str, what: str, rule: Callable[[], list[Finding]]
) -> None:
    try:
        bucket.extend(rule())
    except Exception as exc:  # noqa: BLE001 - report the crash, keep the other findings
        bucket.append(crash_finding(path, what, exc))
