"""Fixes: turn fixable findings into new file text, verify it, write it atomically.

Python fixes are carried out with libcst (``fix.python``), C++ fixes are
offset edits (``cpp.fix``). Both are imported only when fixing. Every fix
action a Python rule can emit is listed in ``ACTIONS``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.findings import Applicability, Finding

# Python fix actions (Fix.action) and the params each reads (Fix.params):
ACTIONS = {
    # insert ``_log_api_usage_once(<arg>)`` into def <target>; style: constructor|wrap|after-early-return
    "insert-log": ("arg", "style", "import"),
    # give class <target> (no __init__, no base but object) ``def __init__(self) -> None:`` logging self
    "add-init": ("import",),
    # replace the call at line/col by ``_log_api_usage_once(<arg>)``; guard: wrap|none
    "rewrite-log": ("line", "col", "arg", "guard", "import"),
    # wrap the logging statement at line/col in the scripting+tracing guard
    "wrap-log": ("line", "col"),
    # move the logging statement at line/col (with its guard) to where <style> puts it
    "move-log": ("line", "col", "style"),
    # turn ``if not torch.jit.is_scripting():`` around the call at line/col into the full guard
    "rewrite-guard": ("line", "col"),
    # add ``from <import> import _log_api_usage_once`` (merged into an existing line)
    "add-import": ("import",),
    # drop the suppression comment on <line> (or only the codes in <codes>)
    "remove-suppression": ("line", "codes"),
}


@dataclass
class FixResult:
    """What fixing one file gave: the new text, and what was and was not done."""

    text: str
    applied: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, reason)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def wanted(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    if fix is None:
        return False
    return unsafe or fix.applicability is Applicability.SAFE


def write_atomic(path: Path, text: str, *, newline: str, encoding: str = "utf-8") -> None:
    """Write ``text`` next to ``path`` and rename it over; keep the file's mode."""
    data = text.replace("\n", newline) if newline != "\n" else text
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tvusage-tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(data)
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
