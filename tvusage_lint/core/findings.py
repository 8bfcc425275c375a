"""The one output type every checker produces, the fixes it can carry, and TVU001.

Findings are plain frozen values so that they can be cached, sorted, compared
in tests and serialised without knowing which checker made them. TVU001 (a file
that cannot be checked) is made by every driver, Python and C++, and for a crash
in any rule, so its unit lives here, beside the type, importing no stage.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tvusage_lint.core import codes

FILE = "file"  # run(path, message, line, column) -> Finding: called by the drivers themselves


class Applicability(str, Enum):
    """How far a fix may be trusted (ruff's terms)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement`` (character offsets)."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A repair the fixer can apply.

    Python fixes name an ``action`` and the ``target`` definition (its
    qualified name inside the file); the libcst fixer knows how to carry each
    action out. C++ fixes carry ready ``edits`` at offsets.
    """

    title: str
    applicability: Applicability
    action: str
    target: str = ""
    params: tuple[tuple[str, str], ...] = ()
    edits: tuple[Edit, ...] = ()

    def param(self, key: str, default: str = "") -> str:
        for name, value in self.params:
            if name == key:
                return value
        return default


@dataclass(frozen=True, order=True)
class Finding:
    """One rule violation at one place.

    ``symbol`` is the qualified name of the entry point (or definition) the
    finding is about; ``event`` is the event name it should log. ``def_line``
    is the ``def``/``class`` line, where a suppression comment also counts.
    """

    path: str
    line: int
    column: int
    code: str
    message: str = field(compare=False)
    end_line: int = field(compare=False, default=0)
    end_column: int = field(compare=False, default=0)
    symbol: str = field(compare=False, default="")
    event: str = field(compare=False, default="")
    severity: str = field(compare=False, default="error")
    fix: Fix | None = field(compare=False, default=None)
    def_line: int = field(compare=False, default=0)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def to_json(self) -> dict[str, object]:
        """The public JSON contract (see docs/json.md); keep it stable."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line or self.line,
            "end_column": self.end_column or self.column,
            "symbol": self.symbol,
            "event": self.event,
            "fixable": self.fixable,
            "fix": None
            if self.fix is None
            else {"title": self.fix.title, "applicability": self.fix.applicability.value},
        }


@codes.unit("TVU001", FILE)
def parse_error(path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    """Finds a file the rules cannot check: it does not parse, or a rule crashed on it."""
    return Finding(path=path, line=line, column=column, code="TVU001", message=message)


def crash_finding(path: str, what: str, exc: BaseException) -> Finding:
    """A crash inside ``what`` (a rule, a checker) as a TVU001 on ``path``: the run goes on."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return parse_error(
        path, f"internal error in {what}{at}: {type(exc).__name__}: {exc} (please report it)"
    )
