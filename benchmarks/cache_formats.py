"""Warm-run time of `tvusage-lint check` for each facts-cache format (benchmarks/README.md).

    python benchmarks/cache_formats.py --tree DIR [--repeat N]

DIR is a torchvision package folder (with ``csrc/`` for the C++ part). Every format
runs the real command line in a fresh process, with the cache module switched to
that format by a few lines of set-up code:

- ``msgspec-json``: what ships (typed JSON decoding straight into the dataclasses);
- ``msgspec-msgpack``: the same schema, MessagePack;
- ``stdlib-json``: ``json.loads`` plus a typed decoder written in Python, derived from the
  same dataclass fields (``decoder`` below): the no-dependency alternative;
- ``pickle``: the format before 2026-12 (runs code on load; the baseline only).

Each format gets its own cache folder, primed by one untimed run; then the formats run
interleaved, one of each per round, so load from elsewhere on the machine hits them
alike. Prints the median and fastest wall time, the median CPU time (user + sys: less
sensitive than wall time to other jobs on a shared machine), the store size, and the
fastest of five decodes of the store inside one process.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from collections.abc import Callable
from pathlib import Path

FORMATS = ("msgspec-json", "msgspec-msgpack", "stdlib-json", "pickle")
HERE = Path(__file__).resolve().parent


def decoder(tp: object) -> Callable[[object], object]:
    """A validating decoder of JSON data into ``tp``, from its type hints."""
    from tvusage_lint.files import cache

    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = cache._hints(tp)
        parts = [(f.name, decoder(hints[f.name])) for f in dataclasses.fields(tp)]

        def dataclass_(value: object) -> object:
            if type(value) is not dict:
                raise TypeError(f"expected an object for {tp.__name__}")
            return tp(**{name: dec(value[name]) for name, dec in parts})

        return dataclass_
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp
    if tp in (int, str, bool, float):

        def scalar(value: object) -> object:
            if type(value) is not tp:
                raise TypeError(f"expected {tp.__name__}")
            return value

        return scalar
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = decoder(args[0])

        def tuple_(value: object) -> object:
            if type(value) is not list:
                raise TypeError("expected an array")
            return tuple(map(item, value))

        return tuple_
    if origin is tuple:
        items = [decoder(arg) for arg in args]
        return lambda value: tuple(dec(v) for dec, v in zip(items, value, strict=True))
    if origin is dict:
        key, item = decoder(args[0]), decoder(args[1])
        return lambda value: {key(k): item(v) for k, v in value.items()}
    if type(None) in args:
        (inner,) = [decoder(arg) for arg in args if arg is not type(None)]
        return lambda value: None if value is None else inner(value)
    raise TypeError(f"unsupported type {tp!r}")


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(type(value).__name__)


def install(fmt: str) -> None:
    """Switch ``tvusage_lint.files.cache`` to ``fmt`` in this process."""
    from tvusage_lint.files import cache

    if fmt == "msgspec-json":
        return
    if fmt == "msgspec-msgpack":
        cache._FORMAT = "msgpack"
        return

    class Codec:
        @staticmethod
        def encode(sections: dict[str, dict[str, object]]) -> bytes:
            if fmt == "pickle":
                import pickle

                return pickle.dumps(sections, protocol=pickle.HIGHEST_PROTOCOL)
            return json.dumps(sections, default=_plain, separators=(",", ":")).encode()

    def decode(body: bytes) -> dict[str, object]:
        if fmt == "pickle":
            import pickle

            sections = pickle.loads(body)
            return {f"{k}:{d}": v for k, part in sections.items() for d, v in part.items()}
        types = {kind: decoder(dict[str, tp]) for kind, tp in cache.fact_types().items()}
        sections = json.loads(body)
        return {f"{k}:{d}": v for k, part in sections.items() for d, v in types[k](part).items()}

    cache._FORMAT = fmt
    cache._codec = lambda: Codec  # type: ignore[assignment]
    cache.Cache._decode = staticmethod(decode)  # type: ignore[method-assign]


def _command(fmt: str) -> list[str]:
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); import cache_formats; "
        f"cache_formats.install({fmt!r}); from tvusage_lint.frontends.cli import main; main()"
    )
    return [sys.executable, "-c", code, "check", "-q", "torchvision"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tvusage-cache-bench-"))
    try:
        project = work / "project"
        shutil.copytree(options.tree, project / "torchvision", symlinks=True)
        (project / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        times: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
        cpu: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
        for fmt in FORMATS:  # prime each format's own store (untimed)
            env_f = {**env, "TVUSAGE_LINT_CACHE_DIR": str(work / fmt)}
            subprocess.run(_command(fmt), cwd=project, env=env_f, capture_output=True)
        for _ in range(options.repeat):
            for fmt in FORMATS:
                env_f = {**env, "TVUSAGE_LINT_CACHE_DIR": str(work / fmt)}
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                run = subprocess.run(_command(fmt), cwd=project, env=env_f, capture_output=True)
                times[fmt].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[fmt].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                if b"warning" in run.stderr:
                    sys.exit(f"{fmt}: {run.stderr.decode()}")
        print(
            f"{'format':<16} {'median s':>9} {'min s':>7} {'cpu s':>7} {'store KB':>9} "
            f"{'decode s':>9}"
        )
        for fmt in FORMATS:
            (store,) = (work / fmt).glob("*/facts-*")
            decode_s = _decode_time(fmt, store)
            print(
                f"{fmt:<16} {statistics.median(times[fmt]):>9.3f} {min(times[fmt]):>7.3f} "
                f"{statistics.median(cpu[fmt]):>7.3f} {store.stat().st_size // 1024:>9} "
                f"{decode_s:>9.3f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _decode_time(fmt: str, store: Path) -> float:
    code = (
        f"import sys, time; sys.path.insert(0, {str(HERE)!r}); import cache_formats; "
        f"cache_formats.install({fmt!r}); from tvusage_lint.files import cache; "
        f"cache.schema(); cache.fact_types(); body = open({str(store)!r}, 'rb').read().split(b'\\n', 1)[1]; "
        "best = min((lambda t: (cache.Cache._decode(body), time.perf_counter() - t)[1])"
        "(time.perf_counter()) for _ in range(5)); print(best)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


if __name__ == "__main__":
    main()
