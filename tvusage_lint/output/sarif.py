"""Findings → SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Validity comes first: every object here is checked against the official schema
in ``tests/test_sarif.py``. A SARIF ``fix`` must carry concrete replacements,
so only fixes with ready text edits (C++) become one; a Python fix (carried out
later by the libcst fixer) is described in ``result.properties`` instead.
The output depends on nothing but the findings, so two runs give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from tvusage_lint import __version__
from tvusage_lint.core.codes import RULES, RuleInfo
from tvusage_lint.core.findings import Finding, Fix

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT = "tvusageLint/v2"  # v2: rule + symbol (v1 also hashed the path)
_LEVELS = {"error": "error", "warning": "warning", "info": "note", "note": "note"}


def to_sarif(findings: Iterable[Finding]) -> str:
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    ordered = sorted(findings)
    seen: Counter[str] = Counter()
    results = []
    for f in ordered:
        base = _fingerprint(f)
        seen[base] += 1
        results.append(_result(f, index.get(f.code), f"{base}:{seen[base]}"))
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tvusage-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(RULES[code]) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(info: RuleInfo) -> dict[str, object]:
    page = _page(info.code)
    full = _section(page, "What it does") if page else ""
    rule: dict[str, object] = {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": full or info.summary},
        "help": {"text": page, "markdown": page} if page else {"text": info.summary},
        "defaultConfiguration": {"enabled": info.default, "level": "error"},
        "properties": {"fix": info.fix or "none"},
    }
    return rule


def _page(code: str) -> str:
    """The rule page, or "" while it is not written yet."""
    from tvusage_lint.output import pages

    try:
        return pages.read(code).strip()
    except (KeyError, OSError):
        return ""


def _section(page: str, title: str) -> str:
    """The text of one ``## title`` section, paragraphs joined, or ""."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    if not match:
        return ""
    return " ".join(match.group(1).split())


def _fingerprint(f: Finding) -> str:
    """Rule + symbol: stable when lines move or the file is edited elsewhere (and, for
    C++, when the file is renamed). File-level findings (no symbol) use rule + path."""
    anchor = f.symbol or f"path {f.path}"
    text = "\0".join((f.code, anchor))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _uri(path: str) -> str:
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return "file://" + quote(posix.as_posix())
    return quote(posix.as_posix())


def _region(f: Finding) -> dict[str, int]:
    start = (f.line, f.column)
    end = (f.end_line or f.line, f.end_column or f.column)
    if end < start:
        end = start
    return {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]}


def _result(f: Finding, rule_index: int | None, fingerprint: str) -> dict[str, object]:
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(f.path)},
            "region": _region(f),
        }
    }
    if f.symbol:
        location["logicalLocations"] = [{"fullyQualifiedName": f.symbol}]
    result: dict[str, object] = {"ruleId": f.code}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result.update(
        level=_LEVELS.get(f.severity, "error"),
        message={"text": f.message},
        locations=[location],
        partialFingerprints={FINGERPRINT: fingerprint},
    )
    properties: dict[str, object] = {}
    if f.event:
        properties["event"] = f.event
    if f.fix is not None:
        properties["fix"] = {"title": f.fix.title, "applicability": f.fix.applicability.value}
        if f.fix.edits:
            result["fixes"] = [_fix(f.fix, f.path)]
    if properties:
        result["properties"] = properties
    return result


def _fix(fix: Fix, path: str) -> dict[str, object]:
    replacements = [
        {
            "deletedRegion": {"charOffset": e.start, "charLength": max(0, e.end - e.start)},
            "insertedContent": {"text": e.replacement},
        }
        for e in sorted(fix.edits, key=lambda e: (e.start, e.end))
    ]
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(path)}, "replacements": replacements}
        ],
    }
