"""The C++ checker on a real torchvision csrc tree: entry points, time, strip and restore.

    python benchmarks/cpp_real.py --tree /path/to/vision   # a checkout, its torchvision/ or csrc/

1. lists every C++ entry point the registrations give, with its status;
2. times the csrc-only analysis (libclang load, facts of every file, rules);
3. copies csrc to a temporary folder, strips every ``C10_LOG_API_USAGE_ONCE``
   statement (with a regex of its own, not with the tool's facts), runs the
   fixer until nothing changes, and checks that every stripped call came back
   with the same string, that the tree then checks clean, and that a second
   fix changes nothing.

Not part of the test run (it needs a source tree; see DEVELOPERS.md for one).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tvusage_lint.core.config import Settings  # noqa: E402
from tvusage_lint.core.entries import MISSING  # noqa: E402

SOURCES = (".cpp", ".cu", ".mm")
STRIP = re.compile(
    r'^[ \t]*C10_LOG_API_USAGE_ONCE\s*\((?:[^;"]|"(?:[^"\\\n]|\\.)*")*\)\s*;[ \t]*\n', re.M
)


def find_csrc(path: Path) -> Path | None:
    for candidate in (path, path / "csrc", path / "torchvision" / "csrc"):
        if candidate.name == "csrc" and candidate.is_dir():
            return candidate
    return None


def files_of(csrc: Path, settings: Settings, sources_only: bool) -> list[Path]:
    import fnmatch

    out = []
    for path in sorted(csrc.rglob("*")):
        if not path.is_file():
            continue
        if sources_only:
            if path.suffix in SOURCES:
                out.append(path)
        elif any(fnmatch.fnmatch(path.name, pattern) for pattern in settings.cpp_include):
            out.append(path)
    return out


def analyse(csrc: Path, files: list[Path], settings: Settings):
    from tvusage_lint.cpp import facts, rules

    all_facts = {p: facts.extract(p.read_bytes(), p.name) for p in files}
    registry = rules.build_registry(all_facts.values())
    findings, entries = [], []
    for path, fact in all_facts.items():
        rel = path.relative_to(csrc).as_posix()
        found, rows = rules.check(
            fact,
            path=rel,
            csrc_rel=rel,
            package="torchvision",
            settings=settings,
            registry=registry,
        )
        findings.extend(found)
        entries.extend(rows)
    return all_facts, findings, entries


def logged_events(csrc: Path, all_facts, entries) -> dict[tuple[str, str], str | None]:
    """(file, entry point) → the string its first macro call logs."""
    out: dict[tuple[str, str], str | None] = {}
    wanted = {(e.path, e.symbol, e.line) for e in entries}
    for path, fact in all_facts.items():
        rel = path.relative_to(csrc).as_posix()
        for function in fact.functions:
            if (rel, function.qualname, function.line) in wanted and function.logs:
                out[(rel, function.qualname)] = function.logs[0].event
    return out


def fix_round(csrc: Path, files: list[Path], settings: Settings) -> int:
    from tvusage_lint.fix.cpp import fix_text

    all_facts, findings, _ = analyse(csrc, files, settings)
    by_path: dict[str, list] = {}
    for finding in findings:
        if finding.fix is not None:
            by_path.setdefault(finding.path, []).append(finding)
    changed = 0
    for rel, found in sorted(by_path.items()):
        path = csrc / rel
        text = path.read_text(encoding="utf-8")
        result = fix_text(text, found, unsafe=True)
        for finding, reason in result.skipped:
            print(f"  not fixed: {rel}:{finding.line}: {finding.code}: {reason}")
        if result.text != text:
            path.write_text(result.text, encoding="utf-8")
            changed += 1
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="a checkout, its torchvision/ or csrc/")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    csrc = find_csrc(Path(args.tree).resolve())
    if csrc is None:
        print(f"cpp_real: no csrc folder under {args.tree}", file=sys.stderr)
        return 2
    settings = Settings()

    start = time.perf_counter()
    from tvusage_lint.cpp import facts

    facts._cindex()
    load = time.perf_counter() - start
    sources = files_of(csrc, settings, sources_only=True)
    everything = files_of(csrc, settings, sources_only=False)
    timings: dict[str, list[float]] = {"sources": [], "all": []}
    cpu: dict[str, list[float]] = {"sources": [], "all": []}
    for _ in range(args.repeat):
        for key, files in (("sources", sources), ("all", everything)):
            start, start_cpu = time.perf_counter(), time.process_time()
            all_facts, findings, entries = analyse(csrc, files, settings)
            timings[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - start_cpu)
    parses = sum(f.parses for f in all_facts.values())

    print(f"csrc: {csrc}")
    print(f"\nentry points ({len(entries)}):")
    for entry in sorted(entries, key=lambda e: (e.path, e.line)):
        print(f"  {entry.status:8} {entry.path}:{entry.line}  {entry.symbol}  → {entry.event}")
    print(f"\nfindings ({len(findings)}):")
    for finding in sorted(findings):
        print(f"  {finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}")
    print(f"\ntime (wall median / wall min / CPU median of {args.repeat} runs, in process):")
    print(f"  libclang load + index: {load:.3f} s")
    for key, label in (("sources", ".cpp/.cu/.mm files"), ("all", "files with headers")):
        count = len(sources) if key == "sources" else len(everything)
        print(
            f"  {count} {label}: {statistics.median(timings[key]):.3f} s"
            f" / {min(timings[key]):.3f} s / {statistics.median(cpu[key]):.3f} s CPU"
        )
    print(f"  libclang parses for all files: {parses}")

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "csrc"
        shutil.copytree(csrc, tree)
        files = files_of(tree, settings, sources_only=False)
        before_facts, _, before_entries = analyse(tree, files, settings)
        original = logged_events(tree, before_facts, before_entries)
        texts = {p: p.read_text(encoding="utf-8") for p in files}
        stripped = 0
        for path, text in texts.items():
            new, count = STRIP.subn("", text)
            if count:
                path.write_text(new, encoding="utf-8")
                stripped += count
        _, _, entries_stripped = analyse(tree, files, settings)
        missing = sum(1 for e in entries_stripped if e.status == MISSING)
        start = time.perf_counter()
        rounds = 0
        while rounds < 4 and fix_round(tree, files, settings):
            rounds += 1
        took = time.perf_counter() - start
        after_facts, after_findings, after_entries = analyse(tree, files, settings)
        restored = logged_events(tree, after_facts, after_entries)
        second = fix_round(tree, files, settings)
        same_text = sum(1 for p, text in texts.items() if p.read_text(encoding="utf-8") == text)
        print(f"\nstrip and restore ({tree.name} copied to a temporary folder):")
        print(f"  stripped {stripped} macro calls; {missing} entry points missing after the strip")
        print(f"  fixer: {rounds} round(s), {took:.3f} s")
        wrong = 0
        for key, event in sorted(original.items()):
            if restored.get(key) != event:
                wrong += 1
                print(f"  DIFFERENT {key[0]} {key[1]}: {event!r} → {restored.get(key)!r}")
        new = sorted(set(restored) - set(original))
        for key in new:
            print(f"  added (was not logged before): {key[0]} {key[1]} → {restored[key]}")
        print(f"  {len(original) - wrong}/{len(original)} stripped events restored identically")
        print(f"  findings left: {len(after_findings)}; second fix changed {second} file(s)")
        print(f"  files byte-identical to the original: {same_text}/{len(texts)}")
        ok = not wrong and not after_findings and not second
    print("\nOK" if ok else "\nFAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
