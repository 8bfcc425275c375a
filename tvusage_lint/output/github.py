"""``--format github``: workflow commands that spend GitHub's annotation budget well.

GitHub shows at most 10 error annotations per step and drops the rest, so the
findings are ranked and the first ten become ``::error`` annotations; a
``::notice`` says how many more there are, and those are printed as plain
``path:line:col: CODE message`` lines in the log. The ranking, most important
first:

1. an entry point that does not log at all (TVU101-105, TVU301, TVU304): its usage is lost;
2. a call that logs the wrong thing (TVU204, TVU205, TVU206, TVU302): its usage
   is recorded under another name, or the call fails;
3. a call in the wrong place or unguarded (TVU201-203, TVU207, TVU208, TVU303);
4. a file that could not be checked (TVU001);
5. everything else (layer reuse TVU4xx, unused suppressions TVU900).

Within a rank: path, line, column.
"""

from __future__ import annotations

from collections.abc import Iterable

from tvusage_lint.core.codes import RULES
from tvusage_lint.core.findings import Finding

BUDGET = 10
RANKS: tuple[tuple[str, ...], ...] = (
    ("TVU101", "TVU102", "TVU103", "TVU104", "TVU105", "TVU301", "TVU304"),
    ("TVU204", "TVU205", "TVU206", "TVU302"),
    ("TVU201", "TVU202", "TVU203", "TVU207", "TVU208", "TVU303"),
    ("TVU001",),
)


def rank(code: str) -> int:
    for i, codes in enumerate(RANKS):
        if code in codes:
            return i
    return len(RANKS)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (rank(f.code), f.path, f.line, f.column, f.code))


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    title = f"{f.code} {RULES[f.code].name}" if f.code in RULES else f.code
    props = (
        f"file={_prop(f.path)},line={f.line},col={f.column},"
        f"endLine={f.end_line or f.line},endColumn={f.end_column or f.column},title={_prop(title)}"
    )
    return f"::error {props}::{_data(f'{f.code} {f.message}')}"


def to_github(findings: Iterable[Finding], budget: int = BUDGET) -> str:
    ranked = ordered(findings)
    out = [annotation(f) for f in ranked[:budget]]
    rest = ranked[budget:]
    if rest:
        out.append(
            f"::notice title=tvusage-lint::{len(rest)} more finding"
            f"{'s' if len(rest) != 1 else ''} not annotated (GitHub shows {budget} per step); "
            "they are listed in the log below"
        )
        out.extend(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in rest)
    return "\n".join(out) + ("\n" if out else "")
