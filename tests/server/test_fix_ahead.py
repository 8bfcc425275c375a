"""Edits computed ahead: once an edited document's diagnostics are out and the client has
been quiet for ``FIX_AHEAD`` seconds, the server computes its fix-all and quick fixes in
the worker, so the menu opened later finds them ready; a change in the meantime stops it.
Read back from the real server's ``--log-file`` (its debug lines), the edits compared with
``check --fix``."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers import write_tree
from tests.server.test_end_to_end import (
    BOXES,
    EAGER,
    FIX_ALL_TREE,
    _fixed_by_cli,
    actions,
    apply,
    brief,
    change,
    open_file,
    server,
    until,
)
from tvusage_lint.frontends.server.app import FIX_AHEAD

pytestmark = pytest.mark.asyncio

AHEAD = re.compile(
    r"edits of (\S+) version (\d+) computed ahead \(fix-all: (yes|no), quick fixes: (\d+)\): "
    r"[\d.]+ ms$"
)
QUICK = re.compile(r"quick fix of (TVU\d+) line (\d+) computed$")


def ahead(log: Path) -> list[tuple[str, int]]:
    """(uri, version) of every document version whose edits were computed ahead, in order."""
    return [(uri, version) for uri, version, _, _ in ahead_lines(log)]


def ahead_lines(log: Path) -> list[tuple[str, int, str, int]]:
    if not log.exists():
        return []
    found = (AHEAD.search(line) for line in log.read_text(encoding="utf-8").splitlines())
    return [(m.group(1), int(m.group(2)), m.group(3), int(m.group(4))) for m in found if m]


def quick_fixes(log: Path) -> list[tuple[str, int]]:
    """(code, line) of every quick fix the server computed, ahead or on request."""
    found = (QUICK.search(line) for line in log.read_text(encoding="utf-8").splitlines())
    return [(m.group(1), int(m.group(2))) for m in found if m]


@pytest.mark.parametrize("caps", ["neovim@v0.9.1", EAGER])
async def test_a_quiet_document_has_its_fix_all_ready_and_it_is_check_fix(
    tmp_path: Path, caps: str
) -> None:
    tree = tmp_path / "lsp"
    write_tree(tree, FIX_ALL_TREE)
    shutil.copytree(tree, tmp_path / "cli")
    expected = _fixed_by_cli(tmp_path / "cli", FIX_ALL_TREE, unsafe=False)
    boxes = tree / "torchvision/ops/boxes.py"
    original = boxes.read_text()
    log = tmp_path / "server.log"
    async with server(tree, caps, "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: client.diagnostics.get(uri) is not None, True)
        await until(lambda: ahead(log), [(uri, 1)])
        (fix_all,) = await actions(client, uri, None, ["source.fixAll"])
        assert fix_all.edit is not None
        assert apply(original, fix_all.edit, uri) == expected["torchvision/ops/boxes.py"]
        found = sorted((str(d.code), d.range.start.line + 1) for d in client.diagnostics[uri])
        assert [code for code, _ in found] == ["TVU102", "TVU202", "TVU205", "TVU206"]
        for diagnostic in client.diagnostics[uri]:
            (fix, _) = await actions(client, uri, diagnostic, ["quickfix"])
            assert fix.edit is not None
    assert ahead_lines(log) == [(uri, 1, "yes", 4)]
    # each edit computed once, ahead: the requests found them ready
    assert "computed on request" not in log.read_text(encoding="utf-8")
    assert sorted(quick_fixes(log)) == found


async def test_a_change_before_the_quiet_time_is_out_moves_it_to_the_new_version(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    text = boxes.read_text()
    log = tmp_path / "server.log"
    async with server(tmp_path, "neovim@v0.9.1", "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        for version in range(2, 6):  # typing, faster than the quiet time
            change(client, uri, version, text + f"\n# {version}\n")
        await until(lambda: ahead(log)[-1:], [(uri, 5)], timeout=20 + FIX_AHEAD)
    # the versions typed over were never computed (the first may be, if it was quiet long
    # enough before the typing began)
    assert [v for _, v in ahead(log)] in ([5], [1, 5])


async def test_a_document_with_nothing_safely_fixable_gets_none(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    log = tmp_path / "server.log"
    async with server(tmp_path, "neovim@v0.9.1", "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        await until(lambda: ahead(log), [(uri, 1)])
        (diagnostic,) = client.diagnostics[uri]
        (fix, _) = await actions(client, uri, diagnostic, ["quickfix"])
        assert fix.edit is not None
        change(client, uri, 2, apply(boxes.read_text(), fix.edit, uri))
        await until(lambda: brief(client, uri), [])
        # past the quiet time of version 2: clean, so nothing more was computed
        await until(lambda: time.time() - log.stat().st_mtime > 2 * FIX_AHEAD, True)
    assert ahead(log) == [(uri, 1)]


async def test_a_request_before_the_quiet_time_computes_it_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    log = tmp_path / "server.log"
    async with server(tmp_path, EAGER, "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        (fix_all,) = await actions(client, uri, None, ["source.fixAll"])
        assert fix_all.edit is not None
        await asyncio.sleep(2 * FIX_AHEAD)
    text = log.read_text(encoding="utf-8")
    # asked at once, the request computed it (or found it computed, on a slow machine)
    assert (
        text.count("computed on request") + [f for *_, f, _ in ahead_lines(log)].count("yes") == 1
    )
