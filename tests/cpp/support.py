"""Check and fix small csrc trees in memory, through the C++ API the engine uses."""

from __future__ import annotations

import textwrap

from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import Entry
from tvusage_lint.core.findings import Finding
from tvusage_lint.cpp import facts, rules
from tvusage_lint.fix.cpp import fix_text


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def extract(text: str, name: str = "ops/nms.cpp") -> facts.CppFacts:
    return facts.extract(source(text).encode("utf-8"), name.rsplit("/", 1)[-1])


def path_of(rel: str) -> str:
    return f"torchvision/csrc/{rel}"


def analyse(
    files: dict[str, str], settings: Settings | None = None, *, registry: bool = True
) -> tuple[list[Finding], list[Entry]]:
    """Findings and entries of every file (csrc-relative path → text), with the tree's registry."""
    all_facts = {rel: extract(text, rel) for rel, text in files.items()}
    registry_ = rules.build_registry(all_facts.values()) if registry else None
    findings: list[Finding] = []
    entries: list[Entry] = []
    for rel in sorted(all_facts):
        found, rows = rules.check(
            all_facts[rel],
            path=path_of(rel),
            csrc_rel=rel,
            package="torchvision",
            settings=settings or Settings(),
            registry=registry_,
        )
        findings.extend(found)
        entries.extend(rows)
    return sorted(findings), entries


def brief(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    return [(f.code, f.path, f.line, f.column, f.symbol) for f in findings]


def fixed(files: dict[str, str], rel: str, *, unsafe: bool = True) -> str:
    """The text of ``rel`` after one fix pass over its findings."""
    findings, _ = analyse(files)
    mine = [f for f in findings if f.path == path_of(rel)]
    return fix_text(source(files[rel]), mine, unsafe=unsafe).text
