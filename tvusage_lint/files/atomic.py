"""Replacing a file so that an interrupted run leaves the old file or the new one, never
half of one and never a temporary file next to it.

The fixer and the facts cache write through here. SIGINT and SIGTERM arriving
while a file is written are held and delivered once it is renamed into place
(or abandoned) and its temporary file is gone: Ctrl-C still stops the run, at
a file boundary.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM inside the block; deliver them, in order, on the way out.

    Only the main thread can install handlers; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    previous: dict[int, object] = {}
    for sig in _HELD:
        try:
            previous[sig] = signal.signal(sig, hold)
        except (OSError, ValueError):
            pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)  # type: ignore[arg-type]
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


def replace_file(
    path: Path,
    data: bytes | Sequence[bytes],
    *,
    mode: int | None = None,
    owner: tuple[int, int] | None = None,
    verify: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` (bytes, or chunks written one after another, so a large body
    need not be copied to put a header before it) to a temporary file beside ``path``,
    flush it to disk, call
    ``verify`` (it raises to abort: ``path`` is left as it is), rename it over ``path``.

    ``mode`` sets the permission bits (a new temporary file has 0o600); ``owner``
    (uid, gid) is kept where the process may set it (root fixing another's file).
    """
    with signals_deferred():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tvusage-tmp", dir=path.parent)
        try:
            try:
                for chunk in (data,) if isinstance(data, bytes) else data:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
                if owner is not None and hasattr(os, "fchown"):
                    with contextlib.suppress(OSError):
                        os.fchown(fd, *owner)
                if mode is not None:
                    if hasattr(os, "fchmod"):
                        os.fchmod(fd, mode)
                    else:  # Windows before 3.13
                        os.chmod(tmp, mode)
                os.fsync(fd)
            finally:
                os.close(fd)
            if verify is not None:
                verify()
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
