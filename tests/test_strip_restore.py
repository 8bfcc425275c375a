"""Remove every logging call, run --fix: the tree checks clean and logs the same events."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import check, fix, write_tree
from tests.strip import logged_events, strip_logging

DATA = Path(__file__).parent / "data" / "torchvision_excerpt"


def strip_tree(root: Path) -> None:
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        stripped = strip_logging(text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8")


def test_strip_removes_calls_guards_and_import() -> None:
    text = (
        "import torch\n"
        "from ..utils import _log_api_usage_once, _make_ntuple\n\n"
        "def f(x):\n"
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(f)\n"
        "    return x\n\n"
        "class C:\n"
        "    def __init__(self):\n"
        "        _log_api_usage_once(self)\n"
    )
    assert strip_logging(text) == (
        "import torch\n"
        "from ..utils import _make_ntuple\n\n"
        "def f(x):\n"
        "    return x\n\n"
        "class C:\n"
        "    def __init__(self):\n"
        "        pass\n"
    )


@pytest.mark.parametrize("source", ["fixtures", "excerpt"])
def test_strip_and_restore(source: str, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    if source == "fixtures":
        shutil.copytree(Path(__file__).parent.parent / "fixtures", tree)
        shutil.rmtree(tree / "torchvision" / "csrc", ignore_errors=True)
        (tree / "torchvision/io/_generated.py").unlink()
    else:
        shutil.copytree(DATA, tree)
        for folder in [tree / "torchvision", *(tree / "torchvision").rglob("*")]:
            if not folder.is_dir():
                continue
            (folder / "__init__.py").touch()
        write_tree(tree, {})  # the helper module
    before = check(tree)
    fix(tree)  # first make the tree policy-clean, then strip and restore it
    clean = check(tree)
    unfixable = {"TVU103", "TVU207"}
    assert {f.code for f in clean.findings} <= unfixable
    events = logged_events(clean.index)
    assert events, before.findings
    strip_tree(tree)
    stripped = check(tree)
    assert logged_events(stripped.index) == set()
    fix(tree)
    restored = check(tree)
    assert [(f.code, f.path, f.line) for f in restored.findings if f.code not in unfixable] == []
    assert logged_events(restored.index) == events


def test_strip_keeps_a_guard_that_holds_more_than_logging() -> None:
    text = (
        "import torch\n\n"
        "def read_file(path):\n"
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(read_file)\n"
        "        _warn_deprecated()\n"
        "    return path\n"
    )
    assert strip_logging(text) == (
        "import torch\n\n"
        "def read_file(path):\n"
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _warn_deprecated()\n"
        "    return path\n"
    )
