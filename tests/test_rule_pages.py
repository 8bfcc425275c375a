"""Every rule page is executed: bad raises exactly its code, good is clean, fixed matches."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import check, fix, write_tree
from tvusage_lint.core.codes import RULES
from tvusage_lint.output.pages import SECTIONS, folder

BLOCK = re.compile(r"```(?P<lang>\w+) path=(?P<path>\S+)\n(?P<body>.*?)```", re.DOTALL)


@dataclass
class Page:
    code: str
    title: str
    sections: dict[str, str] = field(default_factory=dict)

    def files(self, section: str) -> dict[str, str]:
        return {m["path"]: m["body"] for m in BLOCK.finditer(self.sections.get(section, ""))}


def parse(code: str) -> Page:
    text = (folder() / f"{code}.md").read_text(encoding="utf-8")
    title = text.splitlines()[0]
    page = Page(code, title)
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        head, _, body = chunk.partition("\n")
        page.sections[head.strip()] = body
    return page


CODES = sorted(RULES)


def test_every_code_has_a_page() -> None:
    missing = [code for code in CODES if not (folder() / f"{code}.md").is_file()]
    assert missing == []


@pytest.mark.parametrize("code", CODES)
def test_page_has_every_section(code: str) -> None:
    page = parse(code)
    assert page.title == f"# {code}: {RULES[code].name}"
    assert [s for s in SECTIONS if s not in page.sections] == []
    assert page.files("Example"), "a page needs a bad example"
    assert page.files("Use instead"), "a page needs a good example"


def _extend(code: str) -> tuple[str, ...]:
    return (code,) if not RULES[code].default else ()


@pytest.mark.parametrize("code", CODES)
def test_bad_example_raises_exactly_its_code(code: str, tmp_path: Path) -> None:
    page = parse(code)
    write_tree(tmp_path, page.files("Example"))
    result = check(tmp_path, extend=_extend(code))
    assert {f.code for f in result.findings} == {code}, [str(f) for f in result.findings]


@pytest.mark.parametrize("code", CODES)
def test_good_example_is_clean(code: str, tmp_path: Path) -> None:
    page = parse(code)
    write_tree(tmp_path, {**page.files("Example"), **page.files("Use instead")})
    result = check(tmp_path, extend=_extend(code))
    assert [(f.code, f.path, f.line, f.message) for f in result.findings] == []


@pytest.mark.parametrize("code", [c for c in CODES if RULES[c].fix])
def test_fixed_example_matches_and_is_clean(code: str, tmp_path: Path) -> None:
    page = parse(code)
    expected = page.files("Fixed")
    assert expected, f"{code} has a fix: its page must show the fixed files"
    write_tree(tmp_path, page.files("Example"))
    fix(tmp_path, extend=_extend(code))
    for rel, text in expected.items():
        assert (tmp_path / rel).read_text(encoding="utf-8") == text, rel
    result = check(tmp_path, extend=_extend(code))
    assert [(f.code, f.path, f.line) for f in result.findings] == []


@pytest.mark.parametrize("code", [c for c in CODES if not RULES[c].fix])
def test_page_without_fix_says_so(code: str) -> None:
    page = parse(code)
    assert page.files("Fixed") == {}
    assert "No fix." in page.sections["Fixed"]
