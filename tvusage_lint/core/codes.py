"""The rule catalogue: stable codes, their names and whether they run by default.

Codes are never renumbered; new rules get new codes. The user documentation
of each rule is its page in ``rules/<CODE>.md`` (``tvusage-lint explain``).

``RULES`` is the one table of what a code is; each code's unit (the function
that finds it) registers against that table with ``@unit(code, family)``, so
the two cannot disagree: a unit for a code outside the table, or a second unit
for a code, fails at import time. A family is the shape of what its driver
hands each unit (an entry point, a logging call, a C++ function, ...); the
rule packages import all their modules (``load``), so a new rule is a new
module, a row here, its page and its tests. This module imports no stage:
configuration, reports and pages read the table without loading any rule.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    default: bool = True
    fix: str = ""  # "" = no fix; else "safe" or "unsafe"


RULES: dict[str, RuleInfo] = {
    r.code: r
    for r in (
        RuleInfo("TVU001", "parse-error", "file cannot be parsed"),
        RuleInfo(
            "TVU101",
            "class-not-logged",
            "public class constructor does not log and is not covered by inheritance",
            fix="safe",
        ),
        RuleInfo("TVU102", "function-not-logged", "public function does not log", fix="safe"),
        RuleInfo(
            "TVU103",
            "dataset-chain-broken",
            "dataset class does not reach the dataset base's __init__",
        ),
        RuleInfo(
            "TVU104", "dataset-base-not-logged", "dataset base __init__ does not log", fix="safe"
        ),
        RuleInfo(
            "TVU105",
            "ops-twin-not-logged",
            "ops class logs but its functional twin does not, or the reverse",
            fix="safe",
        ),
        RuleInfo(
            "TVU201", "log-not-first", "logging call is not the first statement", fix="unsafe"
        ),
        RuleInfo(
            "TVU202", "log-before-super", "constructor logs before super().__init__", fix="unsafe"
        ),
        RuleInfo(
            "TVU203",
            "log-not-guarded",
            "function-level call not guarded against TorchScript scripting",
            fix="safe",
        ),
        RuleInfo("TVU204", "log-wrong-argument", "logging call names the wrong object", fix="safe"),
        RuleInfo("TVU205", "log-outdated-form", "outdated logging call form", fix="safe"),
        RuleInfo(
            "TVU206", "log-not-imported", "_log_api_usage_once used but not imported", fix="safe"
        ),
        RuleInfo("TVU207", "log-misplaced", "logging call in the wrong place"),
        RuleInfo(
            "TVU208",
            "guard-without-tracing",
            "guard checks scripting but not tracing",
            default=False,
            fix="safe",
        ),
        RuleInfo(
            "TVU301",
            "cpp-not-logged",
            "C++ entry point does not call C10_LOG_API_USAGE_ONCE",
            fix="safe",
        ),
        RuleInfo(
            "TVU302",
            "cpp-wrong-event",
            "C++ event string does not match the file and function",
            fix="safe",
        ),
        RuleInfo(
            "TVU303", "cpp-log-not-first", "C++ macro is not the first statement", fix="unsafe"
        ),
        RuleInfo(
            "TVU304",
            "operator-not-recorded",
            "stable-ABI operator that no logging public Python caller reaches",
            fix="safe",
        ),
        RuleInfo(
            "TVU401",
            "hand-rolled-conv-norm-activation",
            "convolution, norm and activation built by hand; use Conv2dNormActivation",
            default=False,
        ),
        RuleInfo(
            "TVU402",
            "hand-rolled-squeeze-excitation",
            "squeeze-and-excitation block built by hand; use SqueezeExcitation",
            default=False,
        ),
        RuleInfo(
            "TVU403",
            "hand-rolled-mlp",
            "Linear-activation stack built by hand; use torchvision.ops.MLP",
            default=False,
        ),
        RuleInfo(
            "TVU404",
            "hand-rolled-stochastic-depth",
            "stochastic depth computed inline; use torchvision.ops.stochastic_depth",
            default=False,
        ),
        RuleInfo(
            "TVU405",
            "hand-rolled-frozen-batchnorm",
            "batch norm with frozen buffers written out; use torchvision.ops.FrozenBatchNorm2d",
            default=False,
        ),
        RuleInfo(
            "TVU900",
            "unused-suppression",
            "suppression comment that suppresses nothing",
            fix="safe",
        ),
    )
}


def expand(selectors: list[str] | tuple[str, ...], *, what: str) -> set[str]:
    """Turn codes and prefixes (``TVU2``, ``TVU``, ``ALL``) into codes.

    Raises ``ValueError`` naming the selector when it matches no rule.
    """
    out: set[str] = set()
    for raw in selectors:
        sel = raw.strip().upper()
        if not sel:
            continue
        if sel == "ALL":
            out.update(RULES)
            continue
        matched = {code for code in RULES if code.startswith(sel)}
        if not matched:
            raise ValueError(f"{what}: unknown rule code {raw!r} (see `tvusage-lint rules`)")
        out.update(matched)
    return out


def default_codes() -> set[str]:
    return {code for code, info in RULES.items() if info.default}


_Run = TypeVar("_Run", bound=Callable[..., Any])


@dataclass(frozen=True)
class Unit:
    """The one function that finds a code, and the family whose driver calls it."""

    code: str
    family: str
    run: Callable[..., Any]


UNITS: dict[str, Unit] = {}


def unit(code: str, family: str) -> Callable[[_Run], _Run]:
    """Register the decorated function as the unit of ``code`` in ``family``.

    Raises ``ValueError`` at import time when ``code`` is not in ``RULES`` or
    already has a unit. The function is returned unchanged.
    """

    def register(run: _Run) -> _Run:
        where = f"{run.__module__}.{run.__qualname__}"
        if code not in RULES:
            raise ValueError(f"{where}: {code} is not a rule code (add it to codes.RULES)")
        if code in UNITS:
            other = UNITS[code].run
            raise ValueError(
                f"{where}: {code} already has a unit, {other.__module__}.{other.__qualname__}"
            )
        UNITS[code] = Unit(code, family, run)
        return run

    return register


def units(family: str) -> list[Unit]:
    """The registered units of ``family``, in code order."""
    return sorted((u for u in UNITS.values() if u.family == family), key=lambda u: u.code)


def load(package: str, path: Iterable[str]) -> None:
    """Import every module of a rule package (its ``__name__`` and ``__path__``), so
    that each unit in it registers: no list of rules to keep in step."""
    for info in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{info.name}")
