"""Quick fixes on excerpts: the same edit as on the whole file, in a fraction of the time."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.strip import strip_logging
from tvusage_lint.core.findings import Finding
from tvusage_lint.frontends.server import actions
from tvusage_lint.frontends.server.projects import Projects, findings_by_path
from tvusage_lint.python.facts import extract

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"


def _stripped_fixtures(tmp_path: Path):
    """The seeded Python tree with its logging taken out, every rule on: its texts, its
    project and the project's check."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("csrc"))
    (root / "pyproject.toml").write_text("[tool.tvusage-lint]\nselect = ['ALL']\n")
    files = sorted((root / "torchvision").rglob("*.py"))
    for path in files:
        path.write_text(strip_logging(path.read_text()))
    texts = {path: path.read_text() for path in files}
    project = Projects(use_disk_cache=False).for_file(files[0])
    return texts, project, project.check(files, {})


def test_every_quick_fix_on_an_excerpt_equals_the_whole_file_fix(tmp_path: Path) -> None:
    """The seeded tree with its logging taken out: every fix, made on the excerpt its
    facts allow, is the one made on the whole file."""
    texts, project, result = _stripped_fixtures(tmp_path)

    def facts_of(path: Path, text: str):
        return extract(text.encode())

    cut = 0
    compared = 0
    for findings in findings_by_path(result, project.root).values():
        for finding in findings:
            if finding.fix is None or not finding.fix.target:
                continue
            whole = actions.quick_fix(finding, result.sources, texts.__getitem__)
            part = actions.quick_fix(finding, result.sources, texts.__getitem__, facts_of)
            assert part == whole, (finding.code, finding.path, finding.line)
            compared += 1
            target = result.sources[actions.fix_target(finding)].path
            facts = facts_of(target, texts[target])
            cut += actions.excerpt(texts[target], facts, [finding]) is not None
    assert compared >= 20
    assert cut >= compared // 2  # most fixes leave other definitions out


def test_a_fix_all_round_takes_the_quick_fix_of_a_files_one_safe_finding(
    tmp_path: Path,
) -> None:
    """Round one of fix-all reuses a quick fix computed for the same text when its file has
    that one safe finding, and comes out as the round that computes it (the stripped seeded
    tree, every file)."""
    texts, project, result = _stripped_fixtures(tmp_path)
    findings = [f for fs in findings_by_path(result, project.root).values() for f in fs]
    computed: dict[int, actions.FileChange | None] = {}
    for finding in findings:
        if finding.fix is not None:
            computed[id(finding)] = actions.quick_fix(finding, result.sources, texts.__getitem__)
    asked: list[Finding] = []

    def quick(finding: Finding) -> actions.FileChange | None:
        asked.append(finding)
        return computed.get(id(finding))

    fresh: dict[Path, str] = {}
    reused: dict[Path, str] = {}
    assert actions.fix_round(findings, result.sources, fresh, texts.__getitem__)
    assert actions.fix_round(findings, result.sources, reused, texts.__getitem__, None, quick)
    assert reused == fresh
    assert len(asked) >= 3  # files with one safe finding took its quick fix


NMS = """\
import torch

from ..utils import _log_api_usage_once


def box_area(boxes):
    return boxes


def nms(boxes):
    return boxes
"""


def _finding(target: str, line: int) -> Finding:
    from tvusage_lint.core.findings import Applicability, Fix

    fix = Fix(
        title="insert",
        applicability=Applicability.SAFE,
        action="insert-log",
        target=target,
        params=(("arg", target), ("style", "wrap"), ("import", "")),
    )
    return Finding(path="ops/boxes.py", line=line, column=1, code="TVU102", message="", fix=fix)


def test_an_excerpt_keeps_the_lines_and_stands_in_for_the_other_definitions() -> None:
    facts = extract(NMS.encode())
    cut = actions.excerpt(NMS, facts, [_finding("nms", 10)])
    assert cut is not None
    short, lines, blocks = cut
    assert short.splitlines()[5:8] == [
        '"""tvusage-lint: excerpt, a definition from line 5',
        '"""',
        "",
    ]
    assert [row for row, _ in blocks] == [5]
    assert short.count("\n") == NMS.count("\n")
    assert actions.restore(short, lines, blocks) == NMS


def test_a_touched_stand_in_sends_the_fix_to_the_whole_file() -> None:
    facts = extract(NMS.encode())
    cut = actions.excerpt(NMS, facts, [_finding("nms", 10)])
    assert cut is not None
    short, lines, blocks = cut
    touched = short.replace("from line 5\n", "from line 5\nx = 1\n")
    assert touched != short
    assert actions.restore(touched, lines, blocks) is None


def test_a_definition_first_in_the_file_stays_it_would_become_the_docstring() -> None:
    text = "def first():\n    pass\n\n\ndef nms(boxes):\n    return boxes\n"
    assert actions.excerpt(text, extract(text.encode()), [_finding("nms", 5)]) is None


def test_facts_of_another_text_give_no_excerpt() -> None:
    facts = extract(NMS.encode())
    moved = "x = 1\n" * 3 + NMS
    assert actions.excerpt(moved, facts, [_finding("nms", 13)]) is None


NET = """\
from torch import nn


class Net(nn.Module):
    \"\"\"A model.\"\"\"

    def __init__(self) -> None:
        super().__init__()

    @property
    def size(self) -> int:
        return 1

    def forward(self, x):
        return x
"""


def test_the_other_methods_of_a_class_whose_method_is_fixed_are_left_out() -> None:
    """Only ``Net.__init__`` is fixed: ``size`` (with its decorator) and ``forward``
    get stand-ins at the class body's indentation; the docstring stays first."""
    facts = extract(NET.encode())
    cut = actions.excerpt(NET, facts, [_finding("Net.__init__", 4)])
    assert cut is not None
    short, lines, blocks = cut
    assert [row for row, _ in blocks] == [9, 13]
    assert short.splitlines()[9:15] == [
        '    """tvusage-lint: excerpt, a definition from line 9',
        "",
        '"""',
        "",
        '    """tvusage-lint: excerpt, a definition from line 13',
        '"""',
    ]
    assert actions.restore(short, lines, blocks) == NET
