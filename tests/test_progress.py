"""The progress bar: shown on a terminal's stderr for long cold runs, and nowhere else."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import settings, write_tree

from tvusage_lint.engine import Engine
from tvusage_lint.files import parallel
from tvusage_lint.files.cache import Cache
from tvusage_lint.frontends import progress

pty = pytest.importorskip("pty")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def many_modules(root: Path, count: int) -> Path:
    files = {"pyproject.toml": "", "torchvision/ops/__init__.py": ""}
    for i in range(count):
        files[f"torchvision/ops/op{i:03d}.py"] = f"def op{i}(x):\n    return x\n"
    return write_tree(root, files)


def test_for_terminal_only_on_a_tty():
    assert progress.for_terminal(io.StringIO()) is None
    assert isinstance(progress.for_terminal(FakeTTY()), progress.Bar)


def test_bar_draws_and_erases_a_long_batch():
    stream = FakeTTY()
    bar = progress.Bar(stream)
    for done in range(0, 251):
        bar("py", done, 250)
    out = stream.getvalue()
    assert "Parsing Python files" in out
    assert "  0/250" in out and "250/250" in out
    assert out.startswith("\x1b[?25l")  # cursor hidden while drawing ...
    assert "\x1b[?25h" in out  # ... and shown again when the bar is gone
    assert bar._progress is None
    bar.close()  # twice is harmless


def test_bar_stays_away_for_short_batches():
    stream = FakeTTY()
    bar = progress.Bar(stream)
    for done in range(0, 201):
        bar("py", done, 200)
    bar("cpp", 10, 10)
    assert stream.getvalue() == ""
    assert bar._progress is None


def test_bar_for_a_finished_batch_draws_nothing():
    stream = FakeTTY()
    progress.Bar(stream)("cpp", 300, 300)
    assert stream.getvalue() == ""


def test_engine_reports_parsed_files_only(tmp_path):
    many_modules(tmp_path, 30)
    calls: list[tuple[str, int, int]] = []
    cache = Cache(tmp_path)
    engine = Engine(settings(), cache=cache, progress=lambda *call: calls.append(call))
    cold = engine.run([str(tmp_path / "torchvision")], cwd=tmp_path)
    n = 30 + 3  # the modules, two __init__.py files and utils.py
    assert calls == [("py", i, n) for i in range(1, n + 1)] + [("py", n, n)]
    calls.clear()
    warm = engine.run([str(tmp_path / "torchvision")], cwd=tmp_path)
    assert calls == []  # every file was a cache hit: nothing to show
    assert warm.findings == cold.findings
    assert len(cold.findings) == 30


def test_workers_report_per_chunk(tmp_path):
    many_modules(tmp_path, 57)
    calls: list[tuple[str, int, int]] = []
    engine = Engine(settings(), jobs=2, progress=lambda *call: calls.append(call))
    engine.run([str(tmp_path / "torchvision")], cwd=tmp_path)
    # 60 files in 2 * 8 strided chunks: twelve of 4 and four of 3
    sizes = [4] * 12 + [3] * 4
    assert calls == [("py", sum(sizes[: c + 1]), 60) for c in range(16)] + [("py", 60, 60)]


def test_interrupted_batch_still_ends_the_bar(tmp_path, monkeypatch):
    many_modules(tmp_path, 10)
    real = parallel._extract
    seen = []

    def interrupted(*args):
        if len(seen) == 5:
            raise KeyboardInterrupt
        seen.append(args)
        return real(*args)

    monkeypatch.setattr(parallel, "_extract", interrupted)
    calls: list[tuple[str, int, int]] = []
    engine = Engine(settings(), progress=lambda *call: calls.append(call))
    with pytest.raises(KeyboardInterrupt):
        engine.run([str(tmp_path / "torchvision")], cwd=tmp_path)
    assert calls == [("py", i, 13) for i in range(1, 6)] + [("py", 13, 13)]


def run_with_tty_stderr(root: Path, *args: str) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVUSAGE_LINT")}
    env.update(COLUMNS="100", TERM="xterm-256color")
    env["TVUSAGE_LINT_CACHE_DIR"] = os.environ["TVUSAGE_LINT_CACHE_DIR"]  # tests/conftest.py
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tvusage_lint", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout, _ = proc.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_cli_shows_the_bar_on_a_terminal_only(tmp_path):
    many_modules(tmp_path, 210)
    code, stdout, tty = run_with_tty_stderr(
        tmp_path, "check", "torchvision", "--no-cache", "--quiet"
    )
    assert code == 1
    assert "Parsing Python files" in tty and "213/213" in tty
    assert stdout.count(" TVU102 ") == 210  # the report itself stays clean
    assert "Parsing" not in stdout

    for fmt in ("json", "sarif", "github"):
        code, stdout, tty = run_with_tty_stderr(
            tmp_path, "check", "torchvision", "--no-cache", "--format", fmt
        )
        assert (code, tty) == (1, ""), fmt
        assert stdout.count("TVU102") >= 210

    piped = subprocess.run(
        [sys.executable, "-m", "tvusage_lint", "check", "torchvision", "--no-cache", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (piped.returncode, piped.stderr) == (1, "")
    assert piped.stdout == stdout_text(tmp_path, 210)


def stdout_text(root: Path, count: int) -> str:
    names = sorted(f"op{i:03d}" for i in range(count))
    return "".join(
        f"torchvision/ops/{name}.py:1:1: TVU102 public function `op{int(name[2:])}` "
        f"does not call `_log_api_usage_once(op{int(name[2:])})` [*]\n"
        for name in names
    )
