"""One run: discover → facts (cached) → index → policy → rules → suppressions.

Files are read only through ``reading.read_regular`` (regular files, size-capped).
A crash inside one rule or one file is turned into a finding naming it; the other
findings survive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import Entry
from tvusage_lint.core.findings import Finding, crash_finding
from tvusage_lint.core.suppressions import apply as apply_suppressions
from tvusage_lint.files.discovery import Discovery, SourceFile, discover
from tvusage_lint.python import facts as pyfacts
from tvusage_lint.python.index import Index, Module

if TYPE_CHECKING:
    from tvusage_lint.python.policy import EntryPoint


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    index: Index | None = None
    sources: dict[str, SourceFile] = field(default_factory=dict)  # display path → file
    cpp: list[tuple[SourceFile, object]] = field(default_factory=list)  # (file, CppFacts)


class Engine:
    def __init__(
        self,
        settings: Settings,
        *,
        cache: object | None = None,
        jobs: int = 1,
        progress: Callable[[str, int, int], None] | None = None,
        overlay: Mapping[Path, bytes] | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache  # a tvusage_lint.files.cache.Cache, or None
        self.jobs = jobs
        self.progress = progress  # (kind, done, total) while parsing: the CLI's progress bar
        self.overlay = overlay  # absolute path → bytes read instead of the file (editor buffers)

    # --- facts ----------------------------------------------------------------------------

    def python_facts(self, files: list[SourceFile]) -> list[pyfacts.PyFacts]:
        from tvusage_lint.files import parallel

        layers = any(code.startswith("TVU4") for code in self.settings.select)
        return self._facts(files, parallel.PY_LAYERS if layers else parallel.PY)  # type: ignore[return-value]

    def cpp_facts(self, files: list[SourceFile]) -> list[object]:
        return self._facts(files, "cpp")

    def _facts(self, files: list[SourceFile], kind: str) -> list[object]:
        """Facts of one kind: cached, or read (through the overlay, under the size cap)
        and parsed."""
        from tvusage_lint.files import parallel

        return parallel.facts_for(
            files,
            kind,
            cache=self.cache,
            jobs=self.jobs,
            progress=self.progress,
            limit=self.settings.max_file_size,
            overlay=self.overlay,
        )

    # --- the steps a live engine (the server's) can answer from its last run ---------------

    def _discover(self, paths: list[str], cwd: Path | None) -> Discovery:
        settings = self.settings
        return discover(
            paths,
            cpp_include=settings.cpp_include,
            cpp_exclude=settings.cpp_exclude,
            exclude=settings.extend_exclude,
            cwd=cwd,
        )

    def _index(self, found: Discovery) -> Index:
        return build_index(found.python, self.python_facts(found.python))

    def _entry_points(self, index: Index) -> list[EntryPoint]:
        from tvusage_lint.python.policy import Policy

        return Policy(index, self.settings).entry_points()

    # --- a run ------------------------------------------------------------------------------

    def run(self, paths: list[str], *, cwd: Path | None = None) -> Result:
        from tvusage_lint.files.gcpause import paused

        with paused():
            return self._run(paths, cwd)

    def _run(self, paths: list[str], cwd: Path | None) -> Result:
        settings = self.settings
        found = self._discover(paths, cwd)
        result = Result(warnings=list(found.warnings))
        result.files = sum(1 for f in found.python if f.report and not f.link_of) + sum(
            1 for f in found.cpp if f.report
        )
        for source in found.python:
            if source.link_of is None:  # a link's findings are its target's: fixed there
                result.sources[source.display] = source
        index = self._index(found)
        result.index = index
        per_file: dict[str, list[Finding]] = {}
        suppressions: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
        points: list[EntryPoint] = []
        try:
            from tvusage_lint.python.rules import Checker

            points = self._entry_points(index)
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
        cpp_files = found.cpp or self._csrc_for_operators(found, index, cwd)
        if cpp_files:
            cpp = self._cpp(cpp_files, result, per_file, suppressions)
            result.cpp = cpp
            self._operators(cpp, index, points, result, per_file)
        links = {s.module for s in found.python if s.link_of is not None}
        if links:
            per_file = {path: _once(findings, links) for path, findings in per_file.items()}
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

    def _csrc_for_operators(
        self, found: Discovery, index: Index, cwd: Path | None
    ) -> list[SourceFile]:
        """A run with no C++ file whose reported modules call ``torch.ops``: their package's
        csrc as context, so an operator's Python caller is judged as in a full run."""
        if not any(m.report and m.facts.op_calls for m in index.modules.values()):
            return []
        from tvusage_lint.files.discovery import csrc_context

        reported = [f for f in found.python if f.report]
        return csrc_context(
            reported,
            cpp_include=self.settings.cpp_include,
            cpp_exclude=self.settings.cpp_exclude,
            exclude=self.settings.extend_exclude,
            cwd=cwd,
        )

    def _cpp(
        self,
        files: list[SourceFile],
        result: Result,
        per_file: dict[str, list[Finding]],
        suppressions: dict[str, tuple[tuple[int, tuple[str, ...]], ...]],
    ) -> list[tuple[SourceFile, object]]:
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
        return list(zip(files, all_facts))

    def _operators(
        self,
        cpp: list[tuple[SourceFile, object]],
        index: Index,
        points: list[EntryPoint],
        result: Result,
        per_file: dict[str, list[Finding]],
    ) -> None:
        """Registered operators ↔ their Python callers: coverage entries and TVU304."""
        from tvusage_lint.link.operators import link

        try:
            linked = link(cpp, index, points, self.settings)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            first = next((s.display for s, _ in cpp if s.report), "<project>")
            per_file.setdefault(first, []).append(crash_finding(first, "the operator rules", exc))
            return
        result.entries.extend(linked.entries)
        result.warnings.extend(linked.warnings)
        for path, found in per_file.items():
            found[:] = [f for f in found if (path, f.code, f.symbol) not in linked.superseded]
        for finding in linked.findings:
            per_file.setdefault(finding.path, []).append(finding)


def _once(findings: list[Finding], links: set[str]) -> list[Finding]:
    """A file indexed under its own name and a link's finds the same thing twice at one
    place: keep one, the one under the file's own name where both are."""

    def via_link(finding: Finding) -> bool:
        symbol = finding.symbol or ""
        return any(symbol == m or symbol.startswith(f"{m}.") for m in links)

    kept: dict[tuple[str, int, int, int, int], Finding] = {}
    for finding in findings:
        at = (finding.code, finding.line, finding.column, finding.end_line, finding.end_column)
        if at not in kept or (via_link(kept[at]) and not via_link(finding)):
            kept[at] = finding
    return list(kept.values())


def build_index(sources: list[SourceFile], facts: list[pyfacts.PyFacts]) -> Index:
    """The project-wide index of the Python files and their facts."""
    index = Index()
    for source, module_facts in zip(sources, facts):
        index.add(
            Module(
                name=source.module,
                path=source.path,
                display=source.display,
                facts=module_facts,
                is_package=source.is_package,
                report=source.report,
            )
        )
    return index
