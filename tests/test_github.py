"""``--format github``: the 10-annotation budget goes to the most important findings."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_tree

from tvusage_lint.core.findings import Finding
from tvusage_lint.output import github

FIXTURES = Path(__file__).parent.parent / "fixtures"


def finding(code: str, path: str, line: int) -> Finding:
    return Finding(path=path, line=line, column=1, code=code, message=f"{code} here")


def test_ranking_missing_then_wrong_then_placement_then_the_rest() -> None:
    mixed = [
        finding("TVU900", "a.py", 1),
        finding("TVU201", "a.py", 2),
        finding("TVU001", "a.py", 3),
        finding("TVU204", "b.py", 1),
        finding("TVU102", "z.py", 9),
        finding("TVU301", "c.cpp", 4),
        finding("TVU402", "a.py", 5),
        finding("TVU303", "c.cpp", 1),
    ]
    assert [f.code for f in github.ordered(mixed)] == [
        "TVU301",
        "TVU102",
        "TVU204",
        "TVU201",
        "TVU303",
        "TVU001",
        "TVU900",  # the rest by place: a.py:1 before a.py:5
        "TVU402",
    ]


def test_fixtures_spend_the_budget_and_count_the_rest() -> None:
    result = run_cli(["check", "--no-cache", "--format", "github", "torchvision"], FIXTURES)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    annotations = [line for line in lines if line.startswith("::error ")]
    assert len(annotations) == 10
    codes = [line.split("::")[2].split()[0] for line in annotations]
    # the 8 missing-logging findings first, then the wrong arguments/events
    assert codes == [
        "TVU301",
        "TVU103",
        "TVU104",
        "TVU101",
        "TVU304",
        "TVU105",
        "TVU101",
        "TVU102",
        "TVU102",
        "TVU302",
    ]
    assert annotations[0] == (
        "::error file=torchvision/csrc/io/image/cpu/encode_png.cpp,line=17,col=15,endLine=17,"
        "endColumn=25,title=TVU301 cpp-not-logged::TVU301 `vision::image::encode_png` does not "
        "call `C10_LOG_API_USAGE_ONCE`"
    )
    assert lines[10] == (
        "::notice title=tvusage-lint::12 more findings not annotated (GitHub shows 10 per step); "
        "they are listed in the log below"
    )
    assert len(lines) == 23
    assert lines[11].startswith("torchvision/")
    assert not any(line.startswith("::") for line in lines[11:])


def test_within_budget_no_notice(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"torchvision/utils.py": "def save_image(x):\n    return x\n"}, helper=False
    )
    out = run_cli(["check", "--no-cache", "--format", "github", "torchvision"], tmp_path).stdout
    assert [line.split("::")[1][:5] for line in out.splitlines()] == ["error"]


def test_sarif_fingerprints_survive_a_line_shift(tmp_path: Path) -> None:
    files = {
        "torchvision/utils.py": "def save_image(x):\n    return x\n\n\ndef make_grid(x):\n    return x\n",
        "torchvision/__init__.py": "",
    }
    write_tree(tmp_path, files, helper=False)

    def prints() -> dict[str, str]:
        out = run_cli(["check", "--no-cache", "--format", "sarif", "torchvision"], tmp_path).stdout
        results = json.loads(out)["runs"][0]["results"]
        return {
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: (
                r["partialFingerprints"]["tvusageLint/v2"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in results
        }

    before = prints()
    utils = tmp_path / "torchvision/utils.py"
    utils.write_text("import os\n\n# moved down\n\n" + utils.read_text(), encoding="utf-8")
    after = prints()
    assert sorted(before) == ["torchvision.utils.make_grid", "torchvision.utils.save_image"]
    for symbol, (fingerprint, line) in before.items():
        assert after[symbol] == (fingerprint, line + 4)
    assert len({fp for fp, _ in before.values()}) == 2
