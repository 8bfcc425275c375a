"""What a CI gate on usage logging would have caught, release by release (needs the network).

    .venv/bin/python benchmarks/release_audit.py                 # 0.11.1, 0.12.0 ... 0.29.2
    .venv/bin/python benchmarks/release_audit.py 0.11.1 0.12.0   # any releases, in order

Each release's wheel is fetched with ``fetch_torchvision.py`` (into ``benchmarks/.work``,
gitignored; old releases are retried with ``--python-version 3.9`` and manylinux1/2014
tags), then analysed with this checkout's ``tvusage-lint`` (never imported: the command
line, as a user runs it): ``coverage --format json`` for the entry points and
``events --format json`` for the catalogue, saved as ``.work/audit/events-X.json`` so the
next release is compared with it by ``events --compare``. Printed per release, as a
Markdown table: entry points (statuses other than exempt), new ones (symbols the previous
release did not have), new ones that shipped without logging (status ``missing``), and the
events renamed and removed since the previous release. Wheels carry no C++: the events
are the Python ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
AUDIT = WORK / "audit"
RELEASES = [
    "0.11.1",  # the baseline: 0.12 rewrote its datasets' logging
    "0.12.0",
    "0.13.1",
    "0.14.1",
    "0.15.2",
    "0.16.2",
    "0.17.2",
    "0.18.1",
    "0.19.1",
    "0.20.1",
    "0.21.0",
    "0.22.1",
    "0.23.0",
    "0.24.1",
    "0.25.0",
    "0.26.0",
    "0.27.1",
    "0.28.0",
    "0.29.2",
]
OLD_TAGS = ["--python-version", "3.9", "--platform", "manylinux1_x86_64"]
OLD_TAGS += ["--platform", "manylinux2014_x86_64"]


class Failure(Exception):
    """One line for the user, no traceback."""


def fetch(version: str) -> Path:
    tree = WORK / f"torchvision-{version}"
    if (tree / "torchvision" / "__init__.py").is_file():
        return tree
    script = [sys.executable, str(HERE / "fetch_torchvision.py"), version]
    for extra in ([], OLD_TAGS):
        done = subprocess.run([*script, *extra], capture_output=True, text=True)
        if done.returncode == 0:
            return tree
    last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    raise Failure(f"cannot fetch torchvision {version}: {last}")


def tool(tree: Path, *args: str) -> tuple[int, str]:
    env = dict(os.environ)
    env.setdefault("TVUSAGE_LINT_CACHE_DIR", str(WORK / "audit-cache"))
    done = subprocess.run(
        [sys.executable, "-m", "tvusage_lint", *args, "torchvision"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):
        raise Failure(f"tvusage-lint {' '.join(args)} in {tree}: {done.stderr.strip()}")
    return done.returncode, done.stdout


def audit(versions: list[str]) -> list[dict[str, object]]:
    AUDIT.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    previous_symbols: set[str] | None = None
    previous_events: Path | None = None
    for version in versions:
        tree = fetch(version)
        _, out = tool(tree, "coverage", "--format", "json")
        entries = [
            e
            for e in json.loads(out)["entries"]
            if e["status"] != "exempt" and e["kind"] != "operator"
        ]
        symbols = {e["symbol"] for e in entries}
        new = [
            e
            for e in entries
            if previous_symbols is not None and e["symbol"] not in previous_symbols
        ]
        _, catalogue = tool(tree, "events", "--format", "json")
        saved = AUDIT / f"events-{version}.json"
        saved.write_text(catalogue, encoding="utf-8")
        events = json.loads(catalogue)["events"]
        row: dict[str, object] = {
            "version": version,
            "entries": len(entries),
            "new": len(new) if previous_symbols is not None else None,
            "new_missing": sorted(e["symbol"] for e in new if e["status"] == "missing"),
            "events": len(events),
            "unknown": sum(1 for e in events if e["event"] is None),
            "renamed": None,
            "removed": None,
        }
        if previous_events is not None:
            _, out = tool(tree, "events", "--format", "json", "--compare", str(previous_events))
            changes = json.loads(out)
            row["renamed"] = [(r["symbol"], r["old"], r["new"]) for r in changes["renamed"]]
            row["removed"] = sorted({e["event"] or e["expression"] for e in changes["removed"]})
        rows.append(row)
        previous_symbols, previous_events = symbols, saved
        print(f"{version}: done", file=sys.stderr)
    return rows


def _count(value: object) -> str:
    return "–" if value is None else str(len(value) if isinstance(value, list) else value)


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| release | entry points | new | new, shipped without logging | events | unknown | renamed | removed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['version']} | {r['entries']} | {_count(r['new'])} | "
            f"{_count(r['new_missing'] if r['new'] is not None else None)} | {r['events']} | "
            f"{r['unknown']} | "
            f"{_count(r['renamed'])} | {_count(r['removed'])} |"
        )
    return "\n".join(lines) + "\n"


def details(rows: list[dict[str, object]], limit: int) -> str:
    out: list[str] = []
    for r in rows:
        for title, items in (
            ("new without logging", r["new_missing"] if r["new"] is not None else []),
            ("renamed", [f"{s}: {o} -> {n}" for s, o, n in r["renamed"] or []]),
            ("removed", r["removed"] or []),
        ):
            items = list(items)  # type: ignore[call-overload]
            if items:
                shown = ", ".join(str(i) for i in items[:limit])
                more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
                out.append(f"- {r['version']} {title}: {shown}{more}")
    return "\n".join(out) + ("\n" if out else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "versions", nargs="*", help=f"releases in order (default {RELEASES[0]} ... {RELEASES[-1]})"
    )
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    parser.add_argument("--limit", type=int, default=5, help="names shown per detail line")
    args = parser.parse_args(argv)
    try:
        rows = audit(args.versions or RELEASES)
    except Failure as exc:
        print(f"release_audit: error: {exc}", file=sys.stderr)
        return 2
    print(table(rows))
    print(details(rows, args.limit), end="")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
