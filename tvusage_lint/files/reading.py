"""Reading a file of a checkout that may be hostile: never block, never read without end.

The lowest module: discovery, the facts cache, the engine and the fixer all read
through here. A name in the tree can be a FIFO, a socket, a device or a link to
one (``x.py -> /dev/zero``); ``open`` on a FIFO blocks until a writer comes and a
device can stream forever. So the file is opened non-blocking, checked on the
descriptor (``fstat``: what was opened, not what the name meant a moment
before), and read only when it is a regular file, at most ``limit + 1`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


def too_large(limit: int) -> str:
    return f"file too large (more than {limit} bytes; raise `max-file-size` to check it)"


def read_regular(path: Path | str, limit: int) -> tuple[bytes | None, str]:
    """(the bytes, "") or (None, a one-line reason): not a regular file, too large, unreadable."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > limit:
            return None, too_large(limit)
        chunks: list[bytes] = []
        left = limit + 1  # the size may grow while reading: stop one byte past the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            return None, too_large(limit)
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


def is_inside(path: Path, root: Path) -> bool:
    """``path`` (already resolved) is ``root`` (already resolved) or below it."""
    return path == root or root in path.parents


def classify(path: Path, root: Path) -> str:
    """ "" when ``path`` may be read, else why not, without opening it (``lstat``/``stat``
    never block): a symlink whose target is outside ``root`` or missing, or not a
    regular file. ``root`` is resolved."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "broken symbolic link"
        if not is_inside(target, root):
            return "symlink to outside the project"
        info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    return ""
