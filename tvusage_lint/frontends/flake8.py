"""flake8 plugin (prefix ``TVU``): the same rules, for projects that already run flake8.

flake8 calls the plugin once per file; the policy needs the whole package, so
the first call checks the file's whole top package once per process and later
calls read their findings from that run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tvusage_lint import __version__

_RUNS: dict[Path, dict[Path, list[Any]]] = {}


def _package_findings(path: Path) -> list[Any]:
    from tvusage_lint.core import config
    from tvusage_lint.engine import Engine
    from tvusage_lint.files.discovery import package_root

    root = package_root(path.parent)
    top = path.parent
    if root != path.parent:
        top = root / path.parent.relative_to(root).parts[0]
    else:
        top = path
    if top not in _RUNS:
        settings = config.load(config.find_pyproject(top))
        result = Engine(settings).run([str(top)])
        by_file: dict[Path, list[Any]] = {}
        for finding in result.findings:
            source = result.sources.get(finding.path)
            if source is not None:
                by_file.setdefault(source.path, []).append(finding)
        _RUNS[top] = by_file
    return _RUNS[top].get(path, [])


class Plugin:
    name = "tvusage-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str) -> None:
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = Path(self.filename).resolve()
        if path.suffix != ".py" or not path.is_file():
            return
        for finding in _package_findings(path):
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
