"""Baselines: adopt the gate on a tree with old violations, and only let it shrink.

The file is JSON Lines: a header line, then one entry per line,
``{"code": ..., "count": N, "path": ..., "symbol": ...}`` with sorted keys,
sorted by path, code and symbol. One finding kind per line keeps merges
line-local, and no line number is recorded, so editing other lines never
invalidates an entry. Entries are a multiset: ``count`` findings of that code in
that symbol are accepted, one more is reported. Paths are relative to the
baseline file's folder, so the file means the same from any working directory.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tvusage_lint.core.findings import Finding
from tvusage_lint.files.discovery import UsageError

HEADER = {"tvusage-lint-baseline": 1}

Key = tuple[str, str, str]  # (path relative to the baseline's folder, code, symbol)


class BaselineError(UsageError):
    """A baseline file that is missing or malformed (a usage error, exit 2)."""


@dataclass(frozen=True)
class Stale:
    path: str
    code: str
    symbol: str
    baselined: int
    found: int

    def message(self, file: str) -> str:
        what = f"`{self.symbol}`" if self.symbol else "(file level)"
        return (
            f"{file}: stale baseline entry {self.path}: {self.code} {what} "
            f"({self.baselined} baselined, {self.found} found); "
            f"re-run with --write-baseline {file} to accept the fix"
        )


def relative(display: str, cwd: Path, folder: Path) -> str:
    """A finding's path (as displayed, relative to ``cwd``) relative to ``folder``, posix."""
    absolute = os.path.normpath(os.path.join(cwd, display))
    rel = os.path.relpath(absolute, os.path.normpath(folder))
    return PurePosixPath(Path(rel)).as_posix()


def key(finding: Finding, cwd: Path, folder: Path) -> Key:
    return (relative(finding.path, cwd, folder), finding.code, finding.symbol)


def render(findings: Iterable[Finding], cwd: Path, folder: Path) -> str:
    counts = Counter(key(f, cwd, folder) for f in findings)
    lines = [json.dumps(HEADER, sort_keys=True)]
    for (path, code, symbol), count in sorted(counts.items()):
        entry = {"code": code, "count": count, "path": path, "symbol": symbol}
        lines.append(json.dumps(entry, sort_keys=True, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def write(file: Path, findings: Iterable[Finding], cwd: Path) -> int:
    """Write the baseline atomically; the number of entries (lines after the header)."""
    text = render(findings, cwd, file.resolve().parent)
    tmp = file.with_name(f".{file.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, file)
    except OSError as exc:
        raise BaselineError(f"{file}: cannot write baseline: {exc.strerror or exc}") from None
    return text.count("\n") - 1


def load(file: Path) -> Counter[Key]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{file}: baseline file not found (create it with --write-baseline {file})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{file}: cannot read baseline: {exc}") from None
    counts: Counter[Key] = Counter()
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            raise BaselineError(f"{file}:{number}: not a JSON object") from None
        if number == 1 and data == HEADER:
            continue
        if number == 1:
            raise BaselineError(f"{file}:1: not a tvusage-lint baseline (expected {HEADER})")
        if (
            not isinstance(data, dict)
            or not all(isinstance(data.get(k), str) for k in ("path", "code", "symbol"))
            or not isinstance(data.get("count"), int)
            or data["count"] < 1
        ):
            raise BaselineError(
                f"{file}:{number}: a baseline entry needs path, code, symbol and a count >= 1"
            )
        counts[(data["path"], data["code"], data["symbol"])] += data["count"]
    return counts


def apply(
    findings: list[Finding],
    baselined: Counter[Key],
    *,
    cwd: Path,
    folder: Path,
    checked: set[str],
    selected: frozenset[str],
) -> tuple[list[Finding], list[Stale]]:
    """Findings the baseline does not accept, and entries that no longer match.

    Only entries the run could have found are judged: their file was checked
    (``checked``: paths relative to ``folder``) and their code is selected, so
    a pre-commit run on a few files or a ``--select`` run is not a stale alarm.
    """
    left = Counter(baselined)
    found: Counter[Key] = Counter()
    kept: list[Finding] = []
    for f in findings:
        k = key(f, cwd, folder)
        found[k] += 1
        if left[k] > 0:
            left[k] -= 1
        else:
            kept.append(f)
    stale = [
        Stale(path, code, symbol, count, found[(path, code, symbol)])
        for (path, code, symbol), count in sorted(baselined.items())
        if found[(path, code, symbol)] < count
        and path in checked
        and (code in selected or code == "TVU001")
    ]
    return kept, stale
