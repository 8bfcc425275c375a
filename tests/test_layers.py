"""The folders' import contracts (``[tool.importlinter]`` in pyproject.toml) hold, and break.

The second test is the proof that the first one means something: a copy of the
package with one import pointing the wrong way must fail `lint-imports`, naming the
contract and the import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LAYERS = "Layers: front ends, then gate | fix, engine | output, link, files, python | cpp, core"
FACTS = "Facts depend on a file's bytes alone: no settings, index, policy or rules"


def _lint_imports(cwd: Path) -> tuple[int, str]:
    exe = Path(sys.executable).parent / "lint-imports"
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    if not found:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    # lint-imports reads cwd's pyproject.toml and puts cwd first on sys.path: the package
    # it analyses is the one in cwd, not the installed one
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [found, "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def test_the_import_contracts_hold() -> None:
    code, out = _lint_imports(ROOT)
    assert code == 0, out
    assert f"{LAYERS} KEPT" in out
    assert f"{FACTS} KEPT" in out
    assert "Contracts: 5 kept, 0 broken." in out


@pytest.mark.parametrize(
    ("module", "line", "broken", "chain", "summary"),
    [
        # core importing a front end: a layer pointing up
        (
            "core/codes.py",
            "from tvusage_lint.frontends import cli",
            LAYERS,
            "tvusage_lint.core.codes -> tvusage_lint.frontends.cli",
            # and, through the CLI, every stage would reach rich, and the facts the settings
            "Contracts: 2 kept, 3 broken.",
        ),
        # the Python half importing the C++ half: two layers declared independent
        (
            "python/policy.py",
            "from tvusage_lint.cpp import stable",
            LAYERS,
            "tvusage_lint.python.policy -> tvusage_lint.cpp.stable",
            "Contracts: 4 kept, 1 broken.",
        ),
        # a fact extractor reading the settings: allowed by the layers, not by the cache
        (
            "python/facts/walk.py",
            "from tvusage_lint.core import config",
            FACTS,
            "tvusage_lint.python.facts.walk -> tvusage_lint.core.config",
            "Contracts: 4 kept, 1 broken.",
        ),
    ],
    ids=["core-imports-cli", "python-imports-cpp", "facts-import-settings"],
)
def test_a_forbidden_import_breaks_the_layers(
    tmp_path: Path, module: str, line: str, broken: str, chain: str, summary: str
) -> None:
    shutil.copytree(
        ROOT / "tvusage_lint",
        tmp_path / "tvusage_lint",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "tvusage_lint" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    code, out = _lint_imports(tmp_path)
    assert code == 1, out
    assert f"{broken} BROKEN" in out
    assert chain in out
    assert summary in out
