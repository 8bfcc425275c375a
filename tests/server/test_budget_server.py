"""The language server under the parsers' budgets: a buffer libcst would spend minutes
on gets its diagnostics, no quick fix for it (only the suppression), and the server
goes on answering (issue #17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_tree
from tests.server.test_end_to_end import actions, brief, change, open_file, server, until

pytestmark = pytest.mark.asyncio

DEEP = "def nms(boxes):\n    return boxes\n\n\n_deep = 1" + " + 1" * 1_000 + "\n"


async def test_a_buffer_too_deep_for_libcst_gets_no_fix_and_the_server_goes_on(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": DEEP, "torchvision/ops/misc.py": ""})
    async with server(tmp_path) as client:
        uri = open_file(client, tmp_path / "torchvision/ops/boxes.py")
        await until(lambda: brief(client, uri), [("TVU102", 1, 1)])
        (diagnostic,) = client.diagnostics[uri]
        got = await actions(client, uri, diagnostic, ["quickfix"])
        # announced before it is computed; resolved, it carries no edit
        assert [(a.title, a.edit is not None) for a in got] == [
            ("Insert `_log_api_usage_once(nms)` at the top of `nms` (guarded) (TVU102)", False),
            ("Suppress TVU102 on this line", True),
        ]
        other = open_file(client, tmp_path / "torchvision/ops/misc.py")
        change(client, other, 2, "def roi_pool(x):\n    return x\n")
        await until(lambda: brief(client, other), [("TVU102", 1, 1)])
