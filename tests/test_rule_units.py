"""One unit per rule code: registered once, documented in one line, fixes as the table says."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

import tvusage_lint.core.suppressions  # noqa: F401 - TVU900's unit
import tvusage_lint.cpp.rules
import tvusage_lint.link
import tvusage_lint.python.rules
from tests.helpers import check
from tvusage_lint.core import codes
from tvusage_lint.core.codes import RULES, UNITS

FIXTURES = Path(__file__).parent.parent / "fixtures"
PACKAGES = (tvusage_lint.python.rules, tvusage_lint.cpp.rules, tvusage_lint.link)


def test_every_code_has_exactly_one_unit_and_every_unit_a_code() -> None:
    assert sorted(UNITS) == sorted(RULES)
    assert [unit.code for unit in UNITS.values()] == list(UNITS)


@pytest.mark.parametrize("code", sorted(RULES))
def test_a_unit_is_named_for_its_rule_and_says_in_one_line_what_it_finds(code: str) -> None:
    run = UNITS[code].run
    assert run.__name__ == RULES[code].name.replace("-", "_")
    doc = inspect.getdoc(run) or ""
    assert doc.startswith("Finds ")
    assert "\n" not in doc


def test_a_unit_of_a_rule_package_is_its_own_module() -> None:
    names = {UNITS[code].run.__module__ for code in UNITS}
    for package in PACKAGES:
        prefix = package.__name__ + "."
        for unit in UNITS.values():
            if unit.run.__module__.startswith(prefix):
                assert unit.run.__module__ == prefix + unit.run.__name__
    assert len(names) == len(UNITS)


def test_no_unit_imports_another() -> None:
    """Within the rule packages (TVU001 and TVU900 live beside the type and the scan)."""
    prefixes = tuple(package.__name__ + "." for package in PACKAGES)
    modules = {u.run.__module__ for u in UNITS.values() if u.run.__module__.startswith(prefixes)}
    for name in sorted(modules):
        source = Path(sys.modules[name].__file__ or "").read_text(encoding="utf-8")
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        assert imported & (modules - {name}) == set(), name


def test_registering_an_unknown_code_or_a_second_unit_fails_at_import_time() -> None:
    def run() -> None:
        """Finds nothing."""

    with pytest.raises(ValueError, match="TVU999 is not a rule code"):
        codes.unit("TVU999", "test")(run)
    with pytest.raises(ValueError, match="TVU101 already has a unit"):
        codes.unit("TVU101", "test")(run)
    assert UNITS["TVU101"].run.__name__ == "class_not_logged"


@pytest.fixture(scope="module")
def fixture_findings():
    return check(FIXTURES, extend=("ALL",)).findings


@pytest.mark.parametrize("code", sorted(RULES))
def test_fixes_have_the_applicability_the_table_gives(code: str, fixture_findings) -> None:
    found = [f for f in fixture_findings if f.code == code]
    assert found, f"{code} has no finding on fixtures/"
    fixes = [f.fix for f in found if f.fix is not None]
    if RULES[code].fix == "":
        assert fixes == []
    else:
        assert fixes
        assert {fix.applicability.value for fix in fixes} == {RULES[code].fix}
