"""wire.py on in-memory streams: bytes pass through unchanged, every message is logged
with its direction, and requests are timed whichever side asks."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tvusage_lint.frontends.server import wire


def framed(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_one(stdin: wire.LoggedStdin) -> bytes:
    """One message as pygls reads it: header lines up to the blank one, then the body."""
    length = 0
    while (line := stdin.readline()) != b"\r\n":
        length = int(line.split(b":")[1]) if line.startswith(b"Content-Length") else length
    return stdin.read(length)


def wire_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        re.sub(r"took \d+\.\d ms", "took N ms", r.getMessage())
        for r in caplog.records
        if r.name == "tvusage_lint.frontends.server.wire"
    ]


def test_requests_both_ways_are_timed_and_every_message_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tvusage_lint.frontends.server.wire")
    incoming = [
        {"jsonrpc": "2.0", "id": 1, "method": "textDocument/codeAction", "params": {}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": "s1", "result": None},  # the client answers the server
    ]
    out = io.BytesIO()
    stdin, stdout = wire.logged(io.BytesIO(b"".join(framed(m) for m in incoming)), out)

    assert json.loads(read_one(stdin)) == incoming[0]
    stdout.write(framed({"jsonrpc": "2.0", "id": 1, "result": []}))
    stdout.write(framed({"jsonrpc": "2.0", "id": "s1", "method": "workspace/diagnostic/refresh"}))
    assert json.loads(read_one(stdin)) == incoming[1]
    assert json.loads(read_one(stdin)) == incoming[2]

    assert out.getvalue() == framed({"jsonrpc": "2.0", "id": 1, "result": []}) + framed(
        {"jsonrpc": "2.0", "id": "s1", "method": "workspace/diagnostic/refresh"}
    )
    assert wire_log(caplog) == [
        f"client -> server {json.dumps(incoming[0])}",
        'server -> client {"jsonrpc": "2.0", "id": 1, "result": []}',
        "request textDocument/codeAction id=1 (client -> server) took N ms (result)",
        'server -> client {"jsonrpc": "2.0", "id": "s1", "method": "workspace/diagnostic/refresh"}',
        f"client -> server {json.dumps(incoming[1])}",
        f"client -> server {json.dumps(incoming[2])}",
        "request workspace/diagnostic/refresh id=s1 (server -> client) took N ms (result)",
    ]


def test_an_error_response_is_timed_as_an_error_and_a_stray_one_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tvusage_lint.frontends.server.wire")
    request = {"jsonrpc": "2.0", "id": 5, "method": "codeAction/resolve", "params": {}}
    stdin, stdout = wire.logged(io.BytesIO(framed(request)), io.BytesIO())
    read_one(stdin)
    error = {"jsonrpc": "2.0", "id": 5, "error": {"code": -32800, "message": "cancelled"}}
    stdout.write(framed(error))
    stdout.write(framed(error))  # a second answer to the same id: nothing left to time
    assert wire_log(caplog)[2:] == [
        "request codeAction/resolve id=5 (client -> server) took N ms (error)",
        f"server -> client {json.dumps(error)}",
    ]
