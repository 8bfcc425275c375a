"""Findings and coverage → text, JSON, Markdown (GitHub annotations: github.py; SARIF: sarif.py).

Only this module and the CLI print. The JSON shapes are public contracts
(docs/json.md): add fields, never rename or remove them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from tvusage_lint import __version__
from tvusage_lint.core.codes import RULES
from tvusage_lint.core.entries import CALLER, EXEMPT, INHERITED, LOGGED, MISSING, Entry
from tvusage_lint.core.findings import Applicability, Finding


def finding_line(f: Finding, *, color: bool = False, show_fix: bool = True) -> str:
    mark = (
        " [*]"
        if show_fix and f.fix is not None and f.fix.applicability is Applicability.SAFE
        else ""
    )
    if show_fix and f.fix is not None and f.fix.applicability is Applicability.UNSAFE:
        mark = " [-]"
    if not color:
        return f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}{mark}"
    return (
        f"[bold]{escape(f.path)}[/bold][cyan]:[/cyan]{f.line}[cyan]:[/cyan]{f.column}"
        f"[cyan]:[/cyan] [bold red]{f.code}[/bold red] {escape(f.message)}"
        f"{'[cyan]' + escape(mark) + '[/cyan]' if mark else ''}"
    )


def escape(text: str) -> str:
    return text.replace("[", "\\[")


def summary(findings: list[Finding], files: int) -> list[str]:
    if not findings:
        return [f"All checks passed ({files} file{'s' if files != 1 else ''} checked)."]
    by_code = Counter(f.code for f in findings)
    lines = []
    for code, count in sorted(by_code.items()):
        name = RULES[code].name if code in RULES else ""
        lines.append(f"{count:5d}  {code}  {name}")
    safe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    total = len(findings)
    lines.append(
        f"Found {total} error{'s' if total != 1 else ''} in {files} file{'s' if files != 1 else ''} checked."
    )
    if safe:
        lines.append(f"[*] {safe} fixable with `--fix`.")
    if unsafe:
        lines.append(f"[-] {unsafe} more fixable with `--fix --unsafe-fixes`.")
    return lines


def to_json(findings: Iterable[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"


def fix_json(findings: Iterable[Finding], renames: Iterable[object], diff: str | None) -> str:
    """``check --fix/--diff --format json``: the findings left, the event renames the
    fixes cause (``events.Rename``), and for ``--diff`` the unified diff."""
    data: dict[str, object] = {
        "findings": [f.to_json() for f in findings],
        "renames": [r.to_json() for r in renames],  # type: ignore[attr-defined]
    }
    if diff is not None:
        data["diff"] = diff
    return json.dumps(data, indent=2) + "\n"


# --- coverage -----------------------------------------------------------------------------------


def coverage_totals(entries: list[Entry]) -> dict[str, dict[str, float]]:
    """Per subpackage and overall: counts per status and the covered percentage."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.subpackage or "-", []).append(entry)
    groups_sorted = {k: groups[k] for k in sorted(groups)}
    groups_sorted["total"] = list(entries)
    out: dict[str, dict[str, float]] = {}
    for name, group in groups_sorted.items():
        counts = Counter(e.status for e in group)
        covered = counts[LOGGED] + counts[INHERITED] + counts[CALLER]
        counted = covered + counts[MISSING]
        out[name] = {
            "entries": len(group),
            LOGGED: counts[LOGGED],
            INHERITED: counts[INHERITED],
            MISSING: counts[MISSING],
            EXEMPT: counts[EXEMPT],
            CALLER: counts[CALLER],
            "percent": round(100.0 * covered / counted, 1) if counted else 100.0,
        }
    return out


def coverage_json(entries: list[Entry]) -> str:
    data = {
        "version": __version__,
        "entries": [e.to_json() for e in entries],
        "totals": coverage_totals(entries),
    }
    return json.dumps(data, indent=2) + "\n"


def _status_text(entry: Entry) -> str:
    if entry.status in (INHERITED, CALLER):
        return f"{entry.status} (via {entry.via})"
    if entry.status == EXEMPT and entry.via:
        return f"exempt ({entry.via})"
    return entry.status


def coverage_markdown(entries: list[Entry], *, show: str = "missing") -> str:
    totals = coverage_totals(entries)
    lines = [
        "### API-usage logging coverage",
        "",
        "| subpackage | entry points | logged | inherited | caller | missing | exempt | covered |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in totals.items():
        label = f"**{name}**" if name == "total" else name
        lines.append(
            f"| {label} | {row['entries']} | {row[LOGGED]} | {row[INHERITED]} | {row[CALLER]} | "
            f"{row[MISSING]} | {row[EXEMPT]} | {row['percent']:.1f}% |"
        )
    shown = [e for e in entries if show == "all" or e.status == MISSING]
    if shown:
        lines += ["", "| symbol | kind | status | where |", "|---|---|---|---|"]
        for e in shown:
            lines.append(f"| `{e.symbol}` | {e.kind} | {_status_text(e)} | `{e.path}:{e.line}` |")
    return "\n".join(lines) + "\n"


def coverage_table_rows(entries: list[Entry], show: str) -> list[tuple[str, str, str, str]]:
    return [
        (e.symbol, e.kind, _status_text(e), f"{e.path}:{e.line}")
        for e in entries
        if show == "all" or e.status == MISSING
    ]
