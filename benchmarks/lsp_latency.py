"""Latency of ``tvusage-lint server`` on a real torchvision tree.

    python benchmarks/lsp_latency.py --tree benchmarks/.work/torchvision-0.29.2/torchvision

Starts the real server as a subprocess and talks LSP to it over pipes (a plain JSON-RPC
client, so the timing has no client library in it). The tree is copied to a temporary
folder with a bare ``pyproject.toml`` (the project root), as ``bench.py`` does. Timed:

* start: process start → the ``initialize`` answer;
* cold open: ``didOpen`` of ``--file`` in a project with no facts cache (``--no-cache``)
  → its first ``publishDiagnostics`` (every file of the package is parsed for the index);
  then the same in a fresh server after ``check`` has filled its cache (the usual case);
* edit: ``didChange`` → the ``publishDiagnostics`` of that version, ``--edits`` times,
  ``--pause`` seconds apart (typing cadence, so edits are not coalesced). The edits take
  the first logging call out of the file and put it back in turn (``pass`` in its place),
  so every one changes the findings.

Prints median, p95 and max of the edits against the targets (median ≤ 50 ms, p95 ≤ 100 ms,
cold open ≤ 1 s), and, as a figure less sensitive to other load on a shared machine, the
server's CPU time per edit (user + system, from /proc) and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, Queue

ROOT = Path(__file__).resolve().parent.parent


class Client:
    """Just enough of an LSP client: framed JSON-RPC over a subprocess's pipes."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.messages: Queue[dict] = Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(out.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: object) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)

    def notify(self, method: str, params: object) -> None:
        self.send({"method": method, "params": params})

    def wait(self, match, timeout: float = 60.0) -> dict:
        end = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(end - time.monotonic(), 0.001))
            except Empty:
                raise TimeoutError("no answer from the server") from None
            if "method" in message and "id" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})
            if match(message):
                return message

    def diagnostics(self, uri: str, version: int | None = None) -> dict:
        def match(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            params = m["params"]
            return params["uri"] == uri and (version is None or params.get("version") == version)

        return self.wait(match)["params"]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except (TimeoutError, subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, type=Path, help="a torchvision package folder")
    parser.add_argument("--file", default="torchvision/ops/boxes.py")
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.1)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    if not (args.tree / "__init__.py").is_file():
        print(f"{args.tree}: not a package folder (run fetch_torchvision.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tvusage-lsp-") as tmp:
        work = Path(tmp)
        shutil.copytree(args.tree, work / "torchvision")
        (work / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
        target = work / args.file
        uri = target.as_uri()
        text = target.read_text(encoding="utf-8")

        started = time.perf_counter()
        client = Client([args.python, "-m", "tvusage_lint", "server", "--no-cache"], ROOT)
        client.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}},
        )
        start = time.perf_counter() - started
        client.notify("initialized", {})
        opened = time.perf_counter()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        first = client.diagnostics(uri)
        cold = time.perf_counter() - opened

        at = text.index("_log_api_usage_once(", text.index("\ndef "))
        end = text.index("\n", at)
        added = text[:at] + "pass" + text[end:]  # the call taken out: a finding appears
        times: list[float] = []
        counts: set[int] = set()
        cpu_before = cpu_seconds(client.proc.pid)
        load_before = os.getloadavg()[0]
        for version in range(2, args.edits + 2):
            body = added if version % 2 == 0 else text
            time.sleep(args.pause)
            sent = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": body}],
                },
            )
            got = client.diagnostics(uri, version)
            times.append(time.perf_counter() - sent)
            counts.add(len(got["diagnostics"]))
        cpu = (cpu_seconds(client.proc.pid) - cpu_before) / len(times)
        load_after = os.getloadavg()[0]
        client.close()

        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(
            [args.python, "-m", "tvusage_lint", "check", "-q", "--exit-zero", "torchvision"],
            cwd=work,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            check=True,
        )
        client = Client([args.python, "-m", "tvusage_lint", "server"], ROOT)
        client.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}},
        )
        client.notify("initialized", {})
        opened = time.perf_counter()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        client.diagnostics(uri)
        cached = time.perf_counter() - opened
        client.close()

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"file: {args.file} ({len(first['diagnostics'])} findings on open)")
    print(f"start (spawn → initialize answer): {start * 1000:.0f} ms")
    print(f"cold open (didOpen → diagnostics, no cache): {cold * 1000:.0f} ms  target ≤ 1000 ms")
    print(f"open with check's cache filled (didOpen → diagnostics): {cached * 1000:.0f} ms")
    print(
        f"edit → diagnostics over {len(times)} edits: median {median * 1000:.1f} ms "
        f"(target ≤ 50), p95 {p95 * 1000:.1f} ms (target ≤ 100), max {times[-1] * 1000:.1f} ms"
    )
    print(f"server CPU time per edit: {cpu * 1000:.1f} ms")
    print(f"load average (1 min) before/after the edits: {load_before:.2f} / {load_after:.2f}")
    print(f"findings per version: {sorted(counts)}")
    ok = median <= 0.05 and p95 <= 0.1 and cold <= 1.0 and len(counts) == 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
