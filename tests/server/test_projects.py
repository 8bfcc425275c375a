"""The server's projects: a check is ``check``'s run, with buffers and facts in memory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.helpers import write_tree
from tvusage_lint.core import config
from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine
from tvusage_lint.frontends.server.projects import MemoryCache, Projects, findings_by_path

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"


def _json(findings: list[Finding]) -> list[dict[str, object]]:
    return [f.to_json() for f in findings]


def test_a_check_of_open_files_reports_what_check_reports(tmp_path: Path) -> None:
    """Every file of the seeded fixture tree (C++ included), opened together, gets the
    findings ``check`` gives it, with the configuration found the same way."""
    shutil.copytree(FIXTURES, tmp_path / "tree")
    root = tmp_path / "tree"
    (root / "pyproject.toml").write_text(
        "[tool.tvusage-lint]\nselect = ['ALL']\n", encoding="utf-8"
    )
    files = sorted(p for p in (root / "torchvision").rglob("*") if p.is_file())
    project = Projects(use_disk_cache=False).for_file(files[0])
    got = findings_by_path(project.check(files, {}), project.root)
    settings = config.load(root / "pyproject.toml")
    expected = Engine(settings).run([str(root / "torchvision")], cwd=root)
    assert {str(p.relative_to(root)): _json(f) for p, f in got.items()} == {
        path: _json([f for f in expected.findings if f.path == path])
        for path in sorted({f.path for f in expected.findings})
    }
    assert len(expected.findings) > 20  # the seeded tree, not an empty run


BOXES = """
    import torch

    from ..utils import _log_api_usage_once


    def nms(boxes):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            _log_api_usage_once(nms)
        return boxes
"""


def test_unopened_files_are_read_again_when_they_change_on_disk(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES, "torchvision/ops/misc.py": ""})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    misc = tmp_path / "torchvision/ops/misc.py"
    project = Projects(use_disk_cache=False).for_file(misc)

    def codes() -> list[tuple[str, str]]:
        result = project.check([misc, boxes], {misc: b""})
        return [(f.code, f.symbol) for f in result.findings]

    assert codes() == []
    stat = boxes.stat()
    boxes.write_text(boxes.read_text().replace("_log_api_usage_once(nms)", "pass"))
    os.utime(boxes, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert codes() == [("TVU102", "torchvision.ops.boxes.nms")]


def test_the_memory_cache_keeps_only_what_recent_runs_used() -> None:
    cache = MemoryCache()
    cache.put("a", 1)
    cache.end_run()
    cache.put("b", 2)
    cache.end_run()
    assert sorted(cache.entries) == ["a", "b"]  # the last two runs
    assert cache.get("b") == 2
    cache.end_run()
    assert sorted(cache.entries) == ["b"]
