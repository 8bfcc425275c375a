"""``tvusage-lint server --log-file``: both directions of the wire, each line timestamped,
and the time of each request (code actions included), read back from the real file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import write_tree
from tests.server.test_end_to_end import BOXES, actions, brief, open_file, server, until

pytestmark = pytest.mark.asyncio

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ([\w.]+) (.*)$")
MESSAGE = re.compile(r"^(client -> server|server -> client) (\{.*\})$")
TIMED = re.compile(
    r"^request (\S+) id=(\S+) \((client -> server|server -> client)\) took (\d+\.\d) ms \((result|error)\)$"
)


def read_log(path: Path) -> tuple[list[tuple[str, dict]], list[tuple[str, str, str, float]]]:
    """The wire's messages (direction, JSON) and timings (method, id, asker, ms), in order;
    every line of the file is timestamped."""
    messages: list[tuple[str, dict]] = []
    timings: list[tuple[str, str, str, float]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        assert match, line
        module, text = match.groups()
        if module != "tvusage_lint.frontends.server.wire":
            continue
        if found := MESSAGE.match(text):
            messages.append((found.group(1), json.loads(found.group(2))))
        else:
            timed = TIMED.match(text)
            assert timed, text
            method, msg_id, asker, ms, _ = timed.groups()
            timings.append((method, msg_id, asker, float(ms)))
    return messages, timings


async def test_the_log_file_has_both_directions_and_the_time_of_each_request(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    log = tmp_path / "server.log"
    async with server(tmp_path, "neovim@v0.9.1", "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        (diagnostic,) = client.diagnostics[uri]
        got = await actions(client, uri, diagnostic, None)  # announced, then resolved
        assert got[0].edit is not None and "TVU102" in got[0].title
    messages, timings = read_log(log)

    sent = [(d, m.get("method"), m.get("id")) for d, m in messages]
    assert sent[0] == ("client -> server", "initialize", sent[0][2])
    assert sent[1] == ("server -> client", None, sent[0][2])  # its response
    opened = next(m for d, m in messages if m.get("method") == "textDocument/didOpen")
    assert opened["params"]["textDocument"]["uri"] == uri
    published = [
        m["params"]
        for d, m in messages
        if d == "server -> client" and m.get("method") == "textDocument/publishDiagnostics"
    ]
    assert [(p["uri"], [x["code"] for x in p["diagnostics"]]) for p in published] == [
        (uri, ["TVU102"])
    ]

    asked = [
        (m["method"], str(m["id"]))
        for d, m in messages
        if d == "client -> server" and "id" in m and "method" in m
    ]
    resolved = sum(1 for a in got if a.data is not None)  # the quick fix and fix-all
    assert [method for method, _ in asked] == [
        "initialize",
        "textDocument/codeAction",
        *["codeAction/resolve"] * resolved,
        "shutdown",
    ]
    assert resolved == 2
    assert [(method, msg_id, asker) for method, msg_id, asker, _ in timings] == [
        (method, msg_id, "client -> server") for method, msg_id in asked
    ]
    assert all(ms >= 0.0 for *_, ms in timings)
    # each request's timing follows its response on the wire
    answered = [str(m["id"]) for d, m in messages if d == "server -> client" and "id" in m]
    assert answered == [msg_id for _, msg_id in asked]
