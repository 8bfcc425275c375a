"""``--log-file``: every message on the wire, both ways, and how long each request took.

The log is taken at the transport (the server's stdin and stdout), not inside the
protocol: what is written is exactly what the client sent and received, in order, and a
request's time runs from the moment its last byte was read to the moment its response
was written, so the queueing behind a running check counts, as the user feels it. Only
pygls's public ``start_io(stdin, stdout)`` is involved.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)

CLIENT = "client -> server"
SERVER = "server -> client"


class Wire:
    """Request start times of both directions, shared by the two ends: a client request
    is answered by the server's output, a server request by the client's input."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[tuple[str, object], tuple[str, float]] = {}  # (asker, id) → method

    def seen(self, direction: str, body: bytes) -> None:
        log.debug("%s %s", direction, body.decode("utf-8", "replace"))
        try:
            message = json.loads(body)
        except ValueError:
            return
        if not isinstance(message, dict) or "id" not in message:
            return  # a notification, or not JSON-RPC: nothing to time
        key_id = message["id"]
        if not isinstance(key_id, (int, str)):
            return
        now = time.perf_counter()
        with self.lock:
            if "method" in message:
                self.open[(direction, key_id)] = (str(message["method"]), now)
                return
            asker = SERVER if direction == CLIENT else CLIENT
            started = self.open.pop((asker, key_id), None)
        if started is not None:
            method, at = started
            outcome = "error" if "error" in message else "result"
            log.debug(
                "request %s id=%s (%s) took %.1f ms (%s)",
                method,
                key_id,
                asker,
                (now - at) * 1000,
                outcome,
            )


class LoggedStdin:
    """The server's stdin as pygls reads it (header lines, then ``read(n)`` of a body)."""

    def __init__(self, stream: BinaryIO, wire: Wire) -> None:
        self.stream = stream
        self.wire = wire

    def readline(self) -> bytes:
        return self.stream.readline()

    def read(self, n: int = -1) -> bytes:
        body = self.stream.read(n)
        if body:
            self.wire.seen(CLIENT, body)
        return body


class LoggedStdout:
    """The server's stdout: pygls writes each message, headers and body, in one call."""

    def __init__(self, stream: BinaryIO, wire: Wire) -> None:
        self.stream = stream
        self.wire = wire

    def write(self, data: bytes) -> int:
        written = self.stream.write(data)
        self.stream.flush()  # the time is taken once the client can read the message
        _, separator, body = data.partition(b"\r\n\r\n")
        self.wire.seen(SERVER, body if separator else data)
        return written

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def logged(stdin: BinaryIO, stdout: BinaryIO) -> tuple[LoggedStdin, LoggedStdout]:
    """``stdin`` and ``stdout`` with every message logged and every request timed."""
    wire = Wire()
    return LoggedStdin(stdin, wire), LoggedStdout(stdout, wire)


def start_io(server: JsonRPCServer, log_file: str) -> None:
    """Run ``server`` on stdin/stdout, logging to ``log_file`` at debug level: the wire
    (here), each check's time (app.py); pygls's own log of what it sends would repeat the
    wire's, so only its warnings are kept."""
    logging.basicConfig(
        filename=log_file, level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s"
    )
    logging.getLogger("pygls").setLevel(logging.WARNING)
    server.start_io(*logged(sys.stdin.buffer, sys.stdout.buffer))
