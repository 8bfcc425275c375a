"""One run: discover → facts (cached) → index → policy → rules → suppressions.

The engine is the only place that reads files. A crash inside one rule or
one file is turned into a finding naming it; the other findings survive.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.config import Settings
from tvusage_lint.discovery import Discovery, SourceFile, discover
from tvusage_lint.entries import Entry
from tvusage_lint.findings import Finding
from tvusage_lint.index import Index, Module
from tvusage_lint.python import facts as pyfacts
from tvusage_lint.suppressions import apply as apply_suppressions

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    index: Index | None = None
    sources: dict[str, SourceFile] = field(default_factory=dict)  # display path → file


def read_bytes(path: Path) -> tuple[bytes | None, str]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, f"file too large ({size} bytes; the limit is {MAX_BYTES})"
        return path.read_bytes(), ""
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def crash_finding(path: str, what: str, exc: BaseException) -> Finding:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return Finding(
        path=path,
        line=1,
        column=1,
        code="TVU001",
        message=f"internal error in {what}{at}: {type(exc).__name__}: {exc} (please report it)",
    )


class Engine:
    def __init__(
        self,
        settings: Settings,
        *,
        cache: object | None = None,
        jobs: int = 1,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache  # a tvusage_lint.cache.Cache, or None
        self.jobs = jobs
        self.progress = progress  # (kind, done, total) while parsing; see tvusage_lint.progress

    # --- facts ----------------------------------------------------------------------------

    def python_facts(self, files: list[SourceFile]) -> list[pyfacts.PyFacts]:
        from tvusage_lint import parallel

        layers = any(code.startswith("TVU4") for code in self.settings.select)
        return parallel.facts_for(
            files,
            parallel.PY_LAYERS if layers else parallel.PY,
            cache=self.cache,
            jobs=self.jobs,
            progress=self.progress,
        )

    def cpp_facts(self, files: list[SourceFile]) -> list[object]:
        from tvusage_lint import parallel

        return parallel.facts_for(
            files, "cpp", cache=self.cache, jobs=self.jobs, progress=self.progress
        )

    # --- a run ------------------------------------------------------------------------------

    def run(self, paths: list[str], *, cwd: Path | None = None) -> Result:
        from tvusage_lint.gcpause import paused

        with paused():
            return self._run(paths, cwd)

    def _run(self, paths: list[str], cwd: Path | None) -> Result:
        settings = self.settings
        found: Discovery = discover(
            paths,
            cpp_include=settings.cpp_include,
            cpp_exclude=settings.cpp_exclude,
            exclude=settings.extend_exclude,
            cwd=cwd,
        )
        result = Result(warnings=list(found.warnings))
        result.files = sum(1 for f in found.python if f.report) + sum(
            1 for f in found.cpp if f.report
        )
        index = Index()
        for source, facts in zip(found.python, self.python_facts(found.python)):
            result.sources[source.display] = source
            index.add(
                Module(
                    name=source.module,
                    path=source.path,
                    display=source.display,
                    facts=facts,
                    is_package=source.is_package,
                    report=source.report,
                )
            )
        result.index = index
        per_file: dict[str, list[Finding]] = {}
        suppressions: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
        try:
            from tvusage_lint.python.policy import Policy
            from tvusage_lint.python.rules import Checker

            points = Policy(index, settings).entry_points()
            result.entries.extend(p.entry for p in points)
            per_file = Checker(index, settings, points).run()
            if not index.helper_defined and any(
                f.code in ("TVU101", "TVU102", "TVU104", "TVU105")
                for found in per_file.values()
                for f in found
            ):
                result.warnings.append(
                    f"no module defines `{pyfacts.HELPER}` (expected in {index.helper_module}): "
                    "missing calls are reported without fixes"
                )
        except Exception as exc:  # noqa: BLE001 - one crash must not lose the run
            first = next((m.display for m in index.modules.values() if m.report), "<project>")
            per_file.setdefault(first, []).append(crash_finding(first, "the Python rules", exc))
        for module in index.modules.values():
            if module.report:
                suppressions[module.display] = module.facts.suppressions
        if found.cpp:
            self._cpp(found.cpp, result, per_file, suppressions)
        report_unused = settings.enabled("TVU900")
        for path, findings in per_file.items():
            kept = apply_suppressions(
                findings, suppressions.get(path, ()), path, report_unused, settings.select
            )
            result.findings.extend(
                f for f in kept if f.code in settings.select or f.code == "TVU001"
            )
        result.findings.sort()
        result.entries.sort(key=lambda e: (e.subpackage, e.path, e.line, e.symbol))
        return result

    def _cpp(
        self,
        files: list[SourceFile],
        result: Result,
        per_file: dict[str, list[Finding]],
        suppressions: dict[str, tuple[tuple[int, tuple[str, ...]], ...]],
    ) -> None:
        from tvusage_lint.cpp import rules as cpp_rules

        all_facts = self.cpp_facts(files)
        # an operator registered in one file (image.cpp) may be defined in another
        registry = cpp_rules.build_registry(all_facts)  # type: ignore[arg-type]
        for source, facts in zip(files, all_facts):
            if not source.report:
                continue  # context only: its registrations are in the registry
            result.sources[source.display] = source
            bucket = per_file.setdefault(source.display, [])
            try:
                findings, entries = cpp_rules.check(
                    facts,  # type: ignore[arg-type]
                    path=source.display,
                    csrc_rel=source.csrc_rel,
                    package=source.package,
                    settings=self.settings,
                    registry=registry,
                )
            except Exception as exc:  # noqa: BLE001
                bucket.append(crash_finding(source.display, "the C++ rules", exc))
                continue
            bucket.extend(findings)
            result.entries.extend(entries)
            suppressions[source.display] = getattr(facts, "suppressions", ())
