"""Facts for many files: from the cache when the content is known, else parsed,
in worker processes when ``--jobs`` asks for more than one and enough files are cold.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

from tvusage_lint.core.config import DEFAULT_MAX_FILE_SIZE
from tvusage_lint.files import budget
from tvusage_lint.files.cache import Cache, content_key
from tvusage_lint.files.discovery import SourceFile
from tvusage_lint.files.reading import read_regular, too_large

PARSE_SECONDS = 20.0  # one file's facts; generous for a loaded 2-core machine (typical: ms)
_CRASHED = "the parser crashed on this file (its process died); please report it"
_MIN_PER_JOB = 24  # below this, starting workers costs more than it saves
_CHUNKS_PER_JOB = 8  # with a progress bar: smaller chunks, so it moves while workers run

Progress = Callable[[str, int, int], None]  # (kind, done, total) of the files being parsed


# Python facts come in two kinds, with or without the layer scan; each is its own
# cache key, so a run never reads facts that lack what its rules need.
PY, PY_LAYERS = "py", "py+layers"


def _over_budget() -> str:
    return f"too complex to parse (over the {PARSE_SECONDS:g} s budget)"


def _extract(kind: str, data: bytes | None, error: str, name: str) -> object:
    if kind in (PY, PY_LAYERS):
        from tvusage_lint.python import facts

        return (
            facts.failed(error) if data is None else facts.extract(data, layers=kind == PY_LAYERS)
        )
    from tvusage_lint.cpp import facts as cfacts

    if data is None:
        return cfacts.failed(error)
    return cfacts.extract(data, name)


# a file to parse: (path, name, its bytes when they are in hand (an overlay), the size cap)
Item = tuple[str, str, "bytes | None", int]


def _read(path: Path, data: bytes | None, limit: int) -> tuple[bytes | None, str]:
    if data is None:
        return read_regular(path, limit)
    return (None, too_large(limit)) if len(data) > limit else (data, "")


def _extract_path(kind: str, item: Item) -> tuple[str, object]:
    """(content key, facts) of the file as read now: the key is of the bytes parsed.

    A file over its time budget gets a parse error and no key: the verdict depends on
    the machine's load, so it is never cached."""
    path, name, given, limit = item
    data, error = _read(Path(path), given, limit)
    key = content_key(kind, data) if data is not None else ""
    try:
        with budget.deadline(PARSE_SECONDS):
            return key, _extract(kind, data, error, name)
    except budget.OverBudget:
        return "", _extract(kind, None, _over_budget(), name)


def _extract_many(kind: str, items: Sequence[Item]) -> list[tuple[str, object]]:
    if kind in (PY, PY_LAYERS) or not items:
        return [_extract_path(kind, item) for item in items]
    return _native(kind, items)


def _native(kind: str, items: Sequence[Item]) -> list[tuple[str, object]]:
    """C++ facts in a forked child: libclang is native code, which the deadline cannot
    stop (a macro that doubles its expansion 25 times runs for minutes) and which can
    crash the process (an expression a macro makes 10,000 operators long). A file over
    the budget or whose parse kills the child gets a parse error; the child after it
    takes the rest."""
    from tvusage_lint.cpp import facts as cfacts

    try:
        cfacts.load()  # loaded once here, inherited by every child
    except Exception:  # noqa: BLE001 - reported on each file by the extractor
        pass
    out: list[tuple[str, object]] = []
    for item, value in zip(
        items, budget.each_in_child(PARSE_SECONDS, partial(_extract_path, kind), items)
    ):
        if isinstance(value, budget.OverBudget):
            value = ("", _extract(kind, None, _over_budget(), item[1]))
        elif isinstance(value, BaseException):
            value = ("", _extract(kind, None, _CRASHED, item[1]))
        out.append(value)
    return out


def _context():
    """fork where there is one: workers start in milliseconds and inherit the imports."""
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _isolated(kind: str, items: list[Item]) -> list[tuple[str, object]]:
    """Parse ``items`` in a fresh process; when it dies too, halve them until the file
    that kills it is found: that file gets a parse error, the others their facts."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            return pool.submit(_extract_many, kind, items).result()
    except BrokenProcessPool:
        if len(items) == 1:
            return [("", _extract(kind, None, _CRASHED, items[0][1]))]
        half = len(items) // 2
        return _isolated(kind, items[:half]) + _isolated(kind, items[half:])


def _in_workers(
    kind: str, items: list[Item], workers: int, progress: Progress | None
) -> list[tuple[str, object]]:
    """``workers`` parallel parsers: this process takes the first chunk itself and
    ``workers - 1`` processes the rest, so two cores need a single extra process."""
    n = workers if progress is None else min(len(items), workers * _CHUNKS_PER_JOB)
    chunks = [items[c::n] for c in range(n)]
    results: list[tuple[str, object]] = [("", None)] * len(items)
    done = 0
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=_context()) as pool:
        futures = [pool.submit(_extract_many, kind, chunk) for chunk in chunks[1:]]
        results[0::n] = _extract_many(kind, chunks[0])
        done += len(chunks[0])
        if progress is not None:
            progress(kind, done, len(items))
        for c, future in enumerate(futures, start=1):
            try:
                part = future.result()
            except BrokenProcessPool:  # a worker died (a parser crash, the OOM killer)
                broken.append(c)
                continue
            results[c::n] = part
            done += len(part)
            if progress is not None:
                progress(kind, done, len(items))
    # parsed again once the pool is shut down: its threads gone, the forks of
    # ``_isolated`` come from a process with one thread (a fork beside a thread that
    # holds a lock can deadlock the child; 3.12+ warns of it)
    for c in broken:
        part = _isolated(kind, chunks[c])
        results[c::n] = part
        done += len(part)
        if progress is not None:
            progress(kind, done, len(items))
    return results


def facts_for(
    files: Sequence[SourceFile],
    kind: str,
    *,
    cache: Cache | None,
    jobs: int,
    progress: Progress | None = None,
    limit: int = DEFAULT_MAX_FILE_SIZE,
    overlay: Mapping[Path, bytes] | None = None,
) -> list[object]:
    """``overlay``: absolute path → bytes to use instead of the file on disk (an editor's
    unsaved buffers, for the language server); the size cap applies to them too."""
    overlay = overlay or {}
    out: list[object] = [None] * len(files)
    todo: list[int] = []
    for i, source in enumerate(files):
        if cache is None:
            todo.append(i)
            continue
        # the bytes are only hashed here and dropped: holding every cold file's text
        # until all are parsed cost ~85 MB on 20,000 modules; the parser reads it again
        data, _ = _read(source.path, overlay.get(source.path), limit)
        hit = cache.get(content_key(kind, data)) if data is not None else None
        if hit is not None:
            out[i] = hit
        else:
            todo.append(i)
    if not todo:
        return out
    items: list[Item] = [
        (str(files[i].path), files[i].path.name, overlay.get(files[i].path), limit) for i in todo
    ]
    workers = min(jobs, len(todo) // _MIN_PER_JOB)
    try:
        if workers > 1:
            results = _in_workers(kind, items, workers, progress)
        elif progress is None:
            results = _extract_many(kind, items)
        else:
            results = []
            step = 1 if kind in (PY, PY_LAYERS) else _CHUNKS_PER_JOB  # C++: a fork per chunk
            for start in range(0, len(items), step):
                results.extend(_extract_many(kind, items[start : start + step]))
                progress(kind, len(results), len(items))
    finally:
        if progress is not None:  # the batch is over, also when interrupted: the bar goes away
            progress(kind, len(items), len(items))
    for i, (key, value) in zip(todo, results):
        out[i] = value
        if cache is not None and key:
            cache.put(key, value)
    return out
