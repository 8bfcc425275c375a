"""Small trees on disk, checked and fixed through the real engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tvusage_lint.core import config
from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine, Result

# torchvision's helper (0.14 onwards): ``events`` evaluates calls with it
HELPER_MODULE = """\
from types import FunctionType

import torch


def _log_api_usage_once(obj) -> None:
    module = obj.__module__
    if not module.startswith("torchvision"):
        module = f"torchvision.internal.{module}"
    name = obj.__class__.__name__
    if isinstance(obj, FunctionType):
        name = obj.__name__
    torch._C._log_api_usage_once(f"{module}.{name}")
"""


def write_tree(root: Path, files: dict[str, str], *, helper: bool = True) -> Path:
    """Write ``files`` (dedented) under ``root``; add missing package ``__init__.py`` files."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if text else "", encoding="utf-8")
    packages: set[Path] = set()
    for rel in files:
        parts = Path(rel).parts
        if not rel.endswith(".py") or "csrc" in parts:
            continue
        for i in range(1, len(parts)):
            packages.add(root.joinpath(*parts[:i]))
    for folder in packages:
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")
    top = root / "torchvision"
    if helper and top.is_dir() and not (top / "utils.py").exists():
        (top / "utils.py").write_text(HELPER_MODULE, encoding="utf-8")
    return root


def settings(
    *, extend: tuple[str, ...] = (), strict: bool | None = None, table: dict | None = None
):
    base = config.from_table(table, "test") if table is not None else config.Settings()
    return config.with_cli(base, extend_select=list(extend), strict=strict)


def check(
    root: Path,
    *paths: str,
    extend: tuple[str, ...] = (),
    strict: bool | None = None,
    table: dict | None = None,
) -> Result:
    targets = [str(root / p) for p in paths] if paths else [str(root / "torchvision")]
    engine = Engine(settings(extend=extend, strict=strict, table=table))
    return engine.run(targets, cwd=root)


def fix(root: Path, *paths: str, unsafe: bool = True, extend: tuple[str, ...] = ()) -> Result:
    from tvusage_lint.fix.apply import fix_until_stable

    targets = [str(root / p) for p in paths] if paths else [str(root / "torchvision")]
    engine = Engine(settings(extend=extend))
    import os

    old = os.getcwd()
    os.chdir(root)
    try:
        result, _ = fix_until_stable(engine, targets, unsafe=unsafe)
    finally:
        os.chdir(old)
    return result


def run_cli(args: list[str], cwd: Path):
    """The command line, in-process, from ``cwd`` (paths in the output are relative to it)."""
    import os

    from click.testing import CliRunner

    from tvusage_lint.frontends.cli import main

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(old)


def brief(findings: list[Finding]) -> list[tuple[str, int, str]]:
    """(code, line, symbol) triples, the shape most tests assert."""
    return [(f.code, f.line, f.symbol) for f in findings]
