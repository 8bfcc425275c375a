"""Time tvusage-lint on a torchvision tree, side by side with ast.parse, ruff, Fixit, TorchFix.

    python benchmarks/bench.py --tree benchmarks/.work/torchvision-0.29.2/torchvision

Every timing is a fresh process, wall clock, median of N runs (``--repeat``, default 5;
``--slow-repeat`` for Fixit and TorchFix, default 1). The tree is staged into a temporary
folder with a bare ``pyproject.toml`` as project root, so no config of this checkout leaks
in, and every tool sees the same files:

* ``py/``   the Python files only: the floor (ast.parse loop) and every tool;
* ``full/`` Python + the C++ of ``csrc/`` (only when the tree has any): tvusage-lint only,
  since the SPEC §6 cold/warm/one-file targets are for the whole tree.

Compared tools live in benchmarks/.venvs/ (``bash benchmarks/setup_tools.sh``);
tvusage-lint is the one importable by the Python running this script (or ``--python``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
CPP_SUFFIXES = {".cpp", ".cc", ".cxx", ".c", ".h", ".hpp", ".hh", ".cu", ".cuh", ".mm", ".m"}
ONE_FILE = "torchvision/ops/boxes.py"
HEAVY_MODULES = ("libcst", "clang", "rich", "click")

# SPEC §6 targets, seconds (2-core machine)
COLD_MAX, WARM_MAX, ONE_FILE_MAX = 2.0, 0.4, 0.3
FLOOR_FACTOR, SLOW_TOOL_FACTOR = 2.0, 50.0

PYPROJECT = """\
# written by benchmarks/bench.py: marks the project root for every tool
[project]
name = "torchvision"
version = "0"

[tool.fixit]
root = true
"""

AST_FLOOR = r"""
import ast, os, sys, time
start = time.perf_counter()
count = 0
for base, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".py"):
            with open(os.path.join(base, name), "rb") as handle:
                ast.parse(handle.read())
            count += 1
print(time.perf_counter() - start, count)
"""


class Failure(Exception):
    """One line for the user, no traceback."""


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    code: int
    stdout: str
    stderr: str


@dataclass
class Row:
    key: str
    label: str
    command: str
    runs: list[Run] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)  # in-process seconds (ast floor)
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.error

    def median(self) -> float:
        if self.inner:
            return statistics.median(self.inner)
        return statistics.median(r.wall for r in self.runs)

    def best(self) -> float:
        return min(self.inner) if self.inner else min(r.wall for r in self.runs)

    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    def rss(self) -> float:
        return max(r.rss_mb for r in self.runs)


# Installed tools run from bytecode (pip compiles it; an editable install writes it on first
# import). A PYTHONDONTWRITEBYTECODE=1 in the caller's environment (this machine sets it)
# would make every tvusage-lint run recompile the package's sources, so it is dropped.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """One fresh process; wall clock around it, CPU and peak RSS from wait4 (children included)."""
    env = ENV if env is None else env
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        return Run(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            rss_mb=usage.ru_maxrss / 1024.0,
            code=proc.returncode,
            stdout=tail(out),
            stderr=tail(err),
        )


def tail(handle, size: int = 64 * 1024) -> str:
    """The end of a captured stream. Never the whole: ruff --select ALL prints megabytes, and
    a big parent would show in the children's peak RSS (exec keeps the high-water mark)."""
    end = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, end - size))
    return handle.read().decode("utf-8", "replace")


def measure(row: Row, cmd: list[str], cwd: Path, repeat: int, ok_codes: tuple[int, ...]) -> Row:
    for _ in range(repeat):
        run = run_once(cmd, cwd)
        if run.code not in ok_codes or "Traceback (most recent call last)" in run.stderr:
            tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-12:]
            row.error = f"exit {run.code}\n" + "\n".join(tail)
            return row
        row.runs.append(run)
    return row


# --- staging ------------------------------------------------------------------------------


def find_package(tree: Path) -> Path:
    tree = tree.resolve()
    for candidate in (tree, tree / "torchvision"):
        if (candidate / "__init__.py").is_file() and candidate.name == "torchvision":
            return candidate
    raise Failure(f"--tree {tree}: not a torchvision package (want .../torchvision/__init__.py)")


def tree_version(package: Path) -> str:
    version = package / "version.py"
    if version.is_file():
        match = re.search(
            r"__version__\s*=\s*['\"]([^'\"]+)", version.read_text("utf-8", "replace")
        )
        if match:
            return match.group(1)
    return "unknown (no version.py)"


def stage(package: Path, dest: Path, with_cpp: bool) -> tuple[int, int]:
    """Copy the sources (no binaries, no caches) to dest/torchvision; (python, cpp) counts."""
    py = cpp = 0
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(package)
        is_py = path.suffix in (".py", ".pyi")
        is_cpp = with_cpp and path.suffix in CPP_SUFFIXES and "csrc" in rel.parts
        if not (is_py or is_cpp):
            continue
        out = dest / "torchvision" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)
        py += path.suffix == ".py"
        cpp += is_cpp
    (dest / "pyproject.toml").write_text(PYPROJECT)
    return py, cpp


# --- tools --------------------------------------------------------------------------------


def tool_python(explicit: str | None) -> tuple[str, str]:
    """The interpreter that runs tvusage-lint, and where it imports the package from."""
    python = explicit or sys.executable
    try:
        probe = subprocess.run(
            [python, "-c", "import tvusage_lint; print(tvusage_lint.__file__)"],
            capture_output=True,
            text=True,
            env=ENV,
            cwd=tempfile.gettempdir(),  # not this checkout: python -c puts the cwd first
        )
    except OSError as exc:
        raise Failure(f"--python {python}: cannot run it ({exc.strerror or exc})") from None
    if probe.returncode != 0:
        raise Failure(
            f"{python} cannot import tvusage_lint (run with the dev venv's python, or --python)"
        )
    return python, str(Path(probe.stdout.strip()).parent)


def use_source(folder: Path) -> None:
    """Run tvusage_lint from a checkout (e.g. ``git archive`` of main) instead of the install."""
    if not (folder / "tvusage_lint" / "__init__.py").is_file():
        raise Failure(f"--source {folder}: no tvusage_lint/__init__.py there")
    old = ENV.get("PYTHONPATH")
    ENV["PYTHONPATH"] = str(folder.resolve()) + (os.pathsep + old if old else "")


def git_commit(folder: str) -> str:
    done = subprocess.run(
        ["git", "-C", folder, "log", "-1", "--format=%h %cI %s"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return ""
    dirty = subprocess.run(
        ["git", "-C", folder, "status", "--porcelain", "--", "."], capture_output=True, text=True
    ).stdout.strip()
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def lint_command(python: str) -> list[str]:
    """The console script next to the interpreter, as pre-commit runs it; else -m."""
    script = Path(python).parent / "tvusage-lint"
    return [str(script)] if script.is_file() else [python, "-m", "tvusage_lint"]


def venv_tool(name: str, exe: str) -> Path:
    path = VENVS / name / "bin" / exe
    if not path.is_file():
        raise Failure(
            f"{name} is not installed in {VENVS / name} "
            f"(run: bash benchmarks/setup_tools.sh {name}; or --skip {name})"
        )
    return path


def version_of(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=ENV)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def pip_version(venv: str, dist: str) -> str:
    done = subprocess.run(
        [str(VENVS / venv / "bin" / "python"), "-m", "pip", "show", dist],
        capture_output=True,
        text=True,
    )
    match = re.search(r"^Version: (.+)$", done.stdout, re.M)
    return f"{dist} {match.group(1)}" if match else "?"


def imported_modules(cmd: list[str], cwd: Path) -> tuple[set[str], float, str]:
    """Top-level packages imported by a run (python -X importtime), and the import time."""
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    names: set[str] = set()
    total_us = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            names.add(match.group(4).split(".")[0])
            total_us += int(match.group(1))
    error = ""
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        error = (
            done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"exit {done.returncode}"
        )
    return names, total_us / 1e6, error


# --- report -------------------------------------------------------------------------------


def fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(rows: list[Row], base: Row | None) -> list[str]:
    lines = [
        "| tool | command | runs | median s | min s | cpu s | peak RSS MB | x tvusage-lint cold |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if not row.ok:
            why = row.error.splitlines()[0] if row.error else "not run"
            lines.append(f"| {row.label} | `{row.command}` | - | FAILED ({why}) | | | | |")
            continue
        ratio = ""
        if base is not None and base.ok:
            ratio = f"{row.median() / base.median():.2f}"
        lines.append(
            f"| {row.label} | `{row.command}` | {len(row.runs)} | {fmt_s(row.median())} | "
            f"{fmt_s(row.best())} | "
            f"{fmt_s(row.cpu())} | {row.rss():.0f} | {ratio} |"
        )
    return lines


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def targets(rows: dict[str, Row], has_cpp: bool) -> list[str]:
    def seconds(key: str) -> float | None:
        row = rows.get(key)
        return row.median() if row is not None and row.ok else None

    out = ["| target (SPEC §6) | measured | result |", "|---|---|---|"]
    scopes = [("full", "Python + csrc")] if has_cpp else []
    scopes.append(("py", "Python"))
    for scope, name in scopes:
        for key, what, limit in (
            ("cold", "cold", COLD_MAX),
            ("warm", "warm", WARM_MAX),
            ("one", "one file, with start-up", ONE_FILE_MAX),
        ):
            got = seconds(f"{scope}:{key}")
            shown = f"{got:.3f} s" if got is not None else "failed"
            ok = None if got is None else got <= limit
            out.append(f"| {what} ≤ {limit} s ({name} tree) | {shown} | {verdict(ok)} |")
    cold, floor = seconds("py:cold"), seconds("floor")
    if cold is not None and floor is not None:
        # paired: each round times the loop and the cold check back to back, so the median
        # of the per-round ratios is steadier than a ratio of medians on a shared machine
        walls = [r.wall for r in rows["py:cold"].runs]
        ratio = statistics.median(c / f for c, f in zip(walls, rows["floor"].inner))
        with_startup = statistics.median(
            c / f.wall for c, f in zip(walls, rows["floor-startup"].runs)
        )
        single = ""
        if rows.get("py:jobs1") is not None and rows["py:jobs1"].ok:
            one = [r.wall for r in rows["py:jobs1"].runs]
            single = ", --jobs 1: " + format(
                statistics.median(c / f for c, f in zip(one, rows["floor"].inner)), ".2f"
            )
            single += "x"
        out.append(
            f"| Python tree cold within {FLOOR_FACTOR:g}x of the ast.parse loop | "
            f"{ratio:.2f}x (median of per-round ratios; loop {floor:.3f} s in process, "
            f"{with_startup:.2f}x the loop with start-up{single}) | "
            f"{verdict(ratio <= FLOOR_FACTOR)} |"
        )
    for key, name in (("fixit", "Fixit"), ("torchfix", "TorchFix")):
        other = seconds(key)
        if cold is not None and other is not None:
            ratio = other / cold
            out.append(
                f"| ≥ {SLOW_TOOL_FACTOR:g}x faster than {name} (Python tree, cold) | "
                f"{ratio:.1f}x | {verdict(ratio >= SLOW_TOOL_FACTOR)} |"
            )
        else:
            out.append(f"| ≥ {SLOW_TOOL_FACTOR:g}x faster than {name} | not run | n/a |")
    return out


def machine() -> list[str]:
    lines = [f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", f"nproc: {os.cpu_count()}"]
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            if line.split(":")[0].strip() in ("Model name", "CPU(s)", "Thread(s) per core"):
                lines.append(" ".join(line.split()))
    except OSError:
        pass
    lines.append(f"python: {platform.python_version()} ({sys.executable})")
    lines.append(f"os: {platform.platform()}")
    return lines


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", required=True, type=Path, help="a torchvision package folder")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the fast tools (5)")
    parser.add_argument("--slow-repeat", type=int, default=1, help="runs of Fixit/TorchFix (1)")
    parser.add_argument("--python", help="interpreter with tvusage_lint (default: this one)")
    parser.add_argument(
        "--source",
        type=Path,
        help="run tvusage_lint from this checkout (put first on PYTHONPATH)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: ruff,fixit,torchfix,full (the Python+csrc runs)",
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of a cold run")
    parser.add_argument("--json", type=Path, help="also write every run's numbers to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the staged tree (path printed)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.slow_repeat < 1:
        raise Failure("--repeat and --slow-repeat must be at least 1")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - {"ruff", "fixit", "torchfix", "full"}
    if unknown:
        raise Failure(f"--skip: unknown {', '.join(sorted(unknown))}")

    package = find_package(args.tree)
    if args.source is not None:
        use_source(args.source)
    python, origin = tool_python(args.python)
    lint = lint_command(python)
    tools = {}
    if "ruff" not in skip:
        tools["ruff"] = venv_tool("ruff", "ruff")
    if "fixit" not in skip:
        tools["fixit"] = venv_tool("fixit", "fixit")
    if "torchfix" not in skip:
        tools["torchfix"] = venv_tool("torchfix", "torchfix")

    work = Path(tempfile.mkdtemp(prefix="tvusage-bench-"))
    ENV["TVUSAGE_LINT_CACHE_DIR"] = str(work / "cache")  # the facts cache, not the user's
    try:
        return bench(args, package, python, origin, lint, tools, skip, work)
    finally:
        if args.keep:
            print(f"staged tree kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args, package, python, origin, lint, tools, skip, work: Path) -> int:
    py_dir, full_dir = work / "py", work / "full"
    n_py, _ = stage(package, py_dir, with_cpp=False)
    has_cpp = "full" not in skip and any(
        p.suffix in CPP_SUFFIXES for p in (package / "csrc").rglob("*") if p.is_file()
    )
    n_cpp = stage(package, full_dir, with_cpp=True)[1] if has_cpp else 0
    if not (py_dir / ONE_FILE).is_file():
        raise Failure(f"{package} has no {ONE_FILE[len('torchvision/') :]} for the one-file run")

    versions = {
        "torchvision": tree_version(package),
        "tvusage-lint": version_of([*lint, "--version"]),
        "tvusage_lint from": " ".join(filter(None, [origin, git_commit(origin)])),
    }
    for name, exe in tools.items():
        versions[name] = (
            pip_version("torchfix", "TorchFix")
            if name == "torchfix"
            else version_of([str(exe), "--version"])
        )
    header = [
        f"tree: {package} ({n_py} .py files"
        + (f", {n_cpp} C++ files in csrc)" if has_cpp else ")"),
        *machine(),
        *(f"{k}: {v}" for k, v in versions.items()),
        f"repeat: {args.repeat} (Fixit/TorchFix: {args.slow_repeat}); each run a fresh process; "
        "fast tools interleaved in rounds after one untimed warm-up round; "
        "PYTHONDONTWRITEBYTECODE unset (bytecode as installed)",
    ]
    print("\n".join(header), flush=True)

    rows: dict[str, Row] = {}
    jobs: list[tuple[Row, list[str], Path]] = []  # the fast group, timed in rounds

    def add(key: str, label: str, cmd: list[str], where: Path, command: str = "") -> Row:
        row = Row(key, label, command or " ".join([Path(cmd[0]).name, *cmd[1:]]))
        rows[key] = row
        jobs.append((row, cmd, where))
        return row

    # the floor: walk + read + ast.parse of every .py file in one process
    floor = add(
        "floor",
        "ast.parse loop (in process)",
        [python, "-c", AST_FLOOR, "torchvision"],
        py_dir,
        f"python -c <walk+read+ast.parse> ({n_py} files)",
    )
    scopes = [("py", py_dir, "Python")]
    if has_cpp:
        scopes.append(("full", full_dir, "Python + csrc"))
    for scope, where, name in scopes:
        add(
            f"{scope}:cold",
            f"tvusage-lint cold [{name}]",
            [*lint, "check", "--no-cache", "torchvision"],
            where,
        )
        add(
            f"{scope}:jobs1",
            f"tvusage-lint cold -j1 [{name}]",
            [*lint, "check", "--no-cache", "--jobs", "1", "torchvision"],
            where,
        )
        add(
            f"{scope}:jobs2",
            f"tvusage-lint cold -j2 [{name}]",
            [*lint, "check", "--no-cache", "--jobs", "2", "torchvision"],
            where,
        )
        prime = run_once([*lint, "check", "torchvision"], where)
        primed = prime.code in (0, 1) and "Traceback (most recent call last)" not in prime.stderr
        for key, what, cmd in (
            ("warm", "warm", [*lint, "check", "torchvision"]),
            ("one", "one file, warm", [*lint, "check", ONE_FILE]),
        ):
            row = add(f"{scope}:{key}", f"tvusage-lint {what} [{name}]", cmd, where)
            if not primed:
                tail = (prime.stderr.strip() or prime.stdout.strip()).splitlines()[-12:]
                row.error = f"priming the cache failed: exit {prime.code}\n" + "\n".join(tail)
    if "ruff" in tools:
        ruff = [str(tools["ruff"]), "check", "--no-cache", "--isolated"]
        add("ruff", "ruff (default rules)", [*ruff, "torchvision"], py_dir)
        add("ruff-all", "ruff --select ALL", [*ruff, "--select", "ALL", "torchvision"], py_dir)

    # one untimed warm-up round (bytecode, OS file cache), then the timed rounds, each
    # command once per round, so that load from elsewhere hits every command alike
    for timed_round in range(args.repeat + 1):
        for row, cmd, where in jobs:
            if row.error:
                continue
            run = run_once(cmd, where)
            if run.code not in (0, 1) or "Traceback (most recent call last)" in run.stderr:
                tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-12:]
                row.error = f"exit {run.code}\n" + "\n".join(tail)
                row.runs.clear()
            elif timed_round > 0:
                row.runs.append(run)
        print(f"  round {timed_round}/{args.repeat} done", file=sys.stderr, flush=True)
    if floor.ok:
        floor.inner = [float(r.stdout.split()[0]) for r in floor.runs]
    floor_su = Row("floor-startup", "ast.parse loop (with start-up)", floor.command)
    floor_su.runs, floor_su.error = floor.runs, floor.error
    rows[floor_su.key] = floor_su

    # the slow tools: no warm-up, fewer runs (their bytecode is compiled at install)
    for key, label, cmd in (
        ("fixit", "Fixit", ["lint", "torchvision"]),
        ("torchfix", "TorchFix", ["torchvision"]),
    ):
        if key in tools:
            row = Row(key, label, " ".join([key, *cmd]))
            rows[key] = measure(row, [str(tools[key]), *cmd], py_dir, args.slow_repeat, (0, 1))
            state = f"{row.median():.1f} s" if row.ok else "FAILED"
            print(f"  {label}: {state}", file=sys.stderr, flush=True)

    # start-up hygiene: which heavy packages does a check without --fix import?
    imports = []
    checks = [
        ("cold check, Python tree", ["check", "--no-cache", "torchvision"], py_dir),
        ("one file, warm", ["check", ONE_FILE], py_dir),
    ]
    if has_cpp:
        checks.append(
            ("cold check, Python + csrc", ["check", "--no-cache", "torchvision"], full_dir)
        )
    for label, cmd_args, where in checks:
        names, seconds, error = imported_modules(
            [python, "-X", "importtime", "-m", "tvusage_lint", *cmd_args], where
        )
        heavy = ", ".join(f"{m}: {'yes' if m in names else 'no'}" for m in HEAVY_MODULES)
        note = f" (run failed: {error})" if error else ""
        imports.append(
            f"- {label}: {heavy}; {len(names)} top-level packages, {seconds:.3f} s self import time{note}"
        )

    print()
    order = [
        "floor", "floor-startup",
        "py:cold", "py:jobs1", "py:jobs2", "py:warm", "py:one",
        "full:cold", "full:jobs1", "full:jobs2", "full:warm", "full:one",
        "ruff", "ruff-all", "fixit", "torchfix",
    ]  # fmt: skip
    shown = [rows[k] for k in order if k in rows]
    print("\n".join(table(shown, rows.get("py:cold"))))
    print()
    print("\n".join(targets(rows, has_cpp)))
    print()
    print("libcst/libclang at start-up (python -X importtime -m tvusage_lint ...):")
    print("\n".join(imports))
    failed = [r for r in shown if r.error]
    seen: dict[str, str] = {}
    for row in failed:
        body = row.error.split("\n", 1)[-1]
        same = seen.get(body)
        detail = f"(same error as {same})" if same else row.error
        seen.setdefault(body, row.label)
        print(f"\nFAILED: {row.label}: {row.command}\n{detail}")

    if args.profile:
        for _, where, name in scopes:
            cmd = ["check", "--no-cache", "--jobs", "1", "-q", "torchvision"]  # one process
            print(
                f"\nprofile [{name}]: python -m cProfile -s cumtime -m tvusage_lint {' '.join(cmd)}"
            )
            prof = [python, "-m", "cProfile", "-s", "cumtime", "-m", "tvusage_lint", *cmd]
            done = subprocess.run(prof, cwd=where, env=ENV, capture_output=True, text=True)
            lines = done.stdout.splitlines()
            at = next((i for i, line in enumerate(lines) if "Ordered by" in line), None)
            if at is None:
                print("\n".join((done.stderr or done.stdout).strip().splitlines()[-12:]))
            else:
                print("\n".join(lines[at - 2 : at + 28]))

    if args.json:
        data = {
            "header": header,
            "versions": versions,
            "rows": {
                k: {
                    "label": r.label,
                    "command": r.command,
                    "median": r.median() if r.ok else None,
                    "walls": [x.wall for x in r.runs],
                    "inner": r.inner,
                    "cpu": [x.cpu for x in r.runs],
                    "rss_mb": [x.rss_mb for x in r.runs],
                    "error": r.error,
                }
                for k, r in rows.items()
            },
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
