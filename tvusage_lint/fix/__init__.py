"""Fixes: turn fixable findings into new file text, verify it, write it atomically.

Python fixes are carried out with libcst (``fix.python``), C++ fixes are
offset edits (``fix.cpp``). Both are imported only when fixing. Every fix
action a Python rule can emit is listed in ``ACTIONS``; ``fix.apply`` runs the
rounds of ``--fix``.

May import: the engine (``fix.apply`` re-runs it after each round) and every
stage below it; never the gate or a front end. Only this folder imports libcst.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.core.config import DEFAULT_MAX_FILE_SIZE
from tvusage_lint.core.findings import Applicability, Finding
from tvusage_lint.files.atomic import replace_file
from tvusage_lint.files.reading import is_inside, read_regular

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


class NotWritten(Exception):
    """A fix that must not be written; the message says why, in a few words."""


CHANGED = "the file changed on disk since it was read"


def confined(path: Path, root: Path) -> Path:
    """``path`` resolved, when that is inside ``root``; else ``NotWritten`` (a fix never
    reads or writes through a link out of the project). Checked again at each step."""
    target = path.resolve(strict=True)
    if not is_inside(target, root.resolve()):
        raise NotWritten(
            "symlink to outside the project" if path.is_symlink() else "outside the project"
        )
    return target


def write_atomic(
    path: Path,
    text: str,
    *,
    newline: str,
    encoding: str = "utf-8",
    root: Path | None = None,
    expected: str | None = None,
    limit: int = DEFAULT_MAX_FILE_SIZE,
) -> Path:
    """Replace ``path`` by ``text`` (temp file + rename) and return the file written.

    A symlink is never replaced: its target is written, and only when it resolves
    inside ``root``. A read-only file is left alone. ``expected`` (``digest`` of
    the bytes the fix was computed from) is compared with the file on disk right
    before the rename: a file changed meanwhile is not overwritten. The file keeps
    its permission bits (and owner, where allowed). Raises ``NotWritten`` or ``OSError``.
    """
    target = path.resolve(strict=True) if root is None else confined(path, root)
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise NotWritten("not a regular file")
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise NotWritten("the file is read-only")
    data = (text.replace("\n", newline) if newline != "\n" else text).encode(encoding)

    def unchanged() -> None:
        if expected is None:
            return
        now, error = read_regular(target, limit)
        if now is None or digest(now) != expected:
            raise NotWritten(CHANGED)

    replace_file(
        target,
        data,
        mode=stat.S_IMODE(info.st_mode),
        owner=(info.st_uid, info.st_gid),
        verify=unchanged,
    )
    return target


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
