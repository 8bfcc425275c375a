"""Per-file facts cache, keyed by content hash and tool version (ruff's approach).

Facts depend only on a file's bytes, so one store serves every setting; it is
one pickle per tool version under ``.tvusage_lint_cache/`` at the project root,
replaced atomically, so concurrent runs can only lose each other's additions,
never corrupt the store. An unreadable store is a warning and a cold run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from tvusage_lint import __version__

CACHE_DIR = ".tvusage_lint_cache"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by tvusage-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def content_key(kind: str, data: bytes) -> str:
    return kind + ":" + hashlib.blake2b(data, digest_size=16).hexdigest()


_EXTRACTORS = ("python/facts.py", "python/layers.py", "cpp/facts.py")


def cache_file_name() -> str:
    """``facts-<version>-<extractors>.pickle``: a change to any fact extractor's
    source gives a new store, so facts of an older shape are never read back."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=6)
    for rel in _EXTRACTORS:
        try:
            digest.update((here / rel).read_bytes())
        except OSError:
            digest.update(rel.encode())
    return f"facts-{__version__}-{digest.hexdigest()}.pickle"


def project_root(start: Path) -> Path:
    """The nearest folder above ``start`` with a pyproject.toml or .git; else the
    folder above the outermost package, so every path into a tree shares one cache."""
    from tvusage_lint.discovery import package_root

    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    if (here / "__init__.py").is_file():
        return package_root(here)
    return here


class Cache:
    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR
        self.file = self.folder / cache_file_name()
        self.entries: dict[str, object] = {}
        self.dirty = False
        self.warnings: list[str] = []
        self._load()

    def _load(self) -> None:
        from tvusage_lint.gcpause import paused

        try:
            with open(self.file, "rb") as handle, paused():
                data = pickle.load(handle)
        except FileNotFoundError:
            return
        except Exception as exc:  # noqa: BLE001 - any broken cache is only a warning
            self.warnings.append(
                f"cache {self.file} is unreadable ({type(exc).__name__}); ignoring it"
            )
            return
        if isinstance(data, dict):
            self.entries = data
        else:
            self.warnings.append(f"cache {self.file} has an unexpected format; ignoring it")

    def get(self, key: str) -> object | None:
        return self.entries.get(key)

    def put(self, key: str, value: object) -> None:
        self.entries[key] = value
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(_TAG)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by tvusage-lint automatically.\n*\n")
            data = self.entries
            if keep is not None and len(data) > 2 * max(len(keep), 1):
                data = {k: v for k, v in data.items() if k in keep}
            fd, tmp = tempfile.mkstemp(prefix=".facts.", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        except OSError as exc:
            self.warnings.append(f"cannot write cache in {self.folder}: {exc.strerror or exc}")
