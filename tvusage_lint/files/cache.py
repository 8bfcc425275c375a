"""Per-file facts cache: data only, outside the checkout, keyed by content hash.

Facts depend only on a file's bytes, so one store serves every setting. Two
dangers come with a cache on checkouts that contributors control:

- Loading must not run code: the store is JSON decoded by msgspec straight into
  the frozen fact dataclasses, every value type-checked against the dataclass
  fields (a new field needs no change here), under a size cap, after a header
  naming the tool version and the schema. Anything wrong is an empty cache and
  one warning.
- A data-only store can still lie ("this file logs") and let CI pass a
  violation, since entries are trusted by content hash. So the store never lives
  in the checkout: it is in the user's cache folder (``$TVUSAGE_LINT_CACHE_DIR``,
  else the platform's: ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux), one folder
  per project root (``<name>-<hash of its resolved path>``). Nothing in the
  checkout (files, pyproject.toml) can move it; a ``.tvusage_lint_cache/`` in the
  checkout is never read.

The store is replaced atomically, so concurrent runs can only lose each other's
additions, never leave a broken store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import sys
import types
import typing
from pathlib import Path

from tvusage_lint import __version__
from tvusage_lint.files.discovery import project_root
from tvusage_lint.files.reading import read_regular

__all__ = ["Cache", "cache_file_name", "cache_folder", "content_key", "project_root"]

ENV_DIR = "TVUSAGE_LINT_CACHE_DIR"
MAX_STORE_BYTES = 256 * 1024 * 1024  # a larger store is refused unread
_MAX_HEADER = 4096
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by tvusage-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_FORMAT = "json"  # msgspec's JSON; "msgpack" works too (benchmarks/README.md compares them)
LAYOUT = 1  # how the store is put together (header line, sections by kind): bump on change


def content_key(kind: str, data: bytes) -> str:
    return kind + ":" + hashlib.blake2b(data, digest_size=16).hexdigest()


# the modules that make facts: their source and their dataclasses key the store
_EXTRACTORS = (
    "python/facts/__init__.py",
    "python/facts/types.py",
    "python/facts/bindings.py",
    "python/facts/definitions.py",
    "python/facts/guards.py",
    "python/facts/log_calls.py",
    "python/facts/helper.py",
    "python/facts/walk.py",
    "python/ast_util.py",
    "python/layers/base.py",
    "python/layers/walk.py",
    "python/layers/conv_norm_act.py",
    "python/layers/squeeze_excitation.py",
    "python/layers/mlp.py",
    "python/layers/stochastic_depth.py",
    "python/layers/frozen_batchnorm.py",
    "python/op_calls.py",
    "cpp/facts/__init__.py",
    "cpp/facts/types.py",
    "cpp/facts/text.py",
    "cpp/facts/preprocessor.py",
    "cpp/facts/declarations.py",
    "cpp/facts/stubs.py",
    "cpp/facts/bodies.py",
    "cpp/facts/registrations.py",
    "cpp/stable.py",
)


def fact_types() -> dict[str, type]:
    """The dataclass each kind of cache key holds (``parallel``'s kinds)."""
    from tvusage_lint.cpp.facts import CppFacts
    from tvusage_lint.python.facts import PyFacts

    return {"py": PyFacts, "py+layers": PyFacts, "cpp": CppFacts}


def _extractor_modules() -> list[object]:
    return [
        importlib.import_module(
            "tvusage_lint." + rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        )
        for rel in _EXTRACTORS
    ]


def _dataclasses_in(hint: object) -> list[type]:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return [hint]
    return [cls for arg in typing.get_args(hint) for cls in _dataclasses_in(arg)]


_schema_cache: str | None = None


def schema() -> str:
    """A digest of every fact dataclass's fields and types: a new or changed field
    gives another store, so facts of an older shape are never decoded."""
    global _schema_cache
    if _schema_cache is None:
        seen: dict[str, list[str]] = {}
        todo = list(fact_types().values())
        while todo:
            cls = todo.pop()
            name = f"{cls.__module__}.{cls.__qualname__}"
            if name in seen:
                continue
            # fact modules import their field types at run time: msgspec resolves them too
            hints = typing.get_type_hints(cls)
            seen[name] = [f"{f.name}: {hints[f.name]!r}" for f in dataclasses.fields(cls)]
            for hint in hints.values():
                todo.extend(_dataclasses_in(hint))
        text = json.dumps([LAYOUT, _FORMAT, sorted(seen.items())])
        _schema_cache = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    return _schema_cache


def _sources() -> list[str]:
    """The files facts come from: the extractor modules and the project modules their
    names come from (``suppressions.py`` for the suppression scan, and so on)."""
    names: set[str] = set()
    for module in _extractor_modules():
        names.add(module.__name__)  # type: ignore[attr-defined]
        for value in vars(module).values():
            owner = value.__name__ if isinstance(value, types.ModuleType) else None
            owner = owner or getattr(value, "__module__", None)
            if isinstance(owner, str) and owner.startswith("tvusage_lint."):
                names.add(owner)
    files = {getattr(sys.modules.get(name), "__file__", None) for name in names}
    return sorted(f for f in files if f)


def cache_file_name() -> str:
    """``facts-<version>-<digest>.<format>``: a change to the source of a fact extractor
    (or of a module it takes names from) or to a fact dataclass gives a new store."""
    digest = hashlib.blake2b(schema().encode(), digest_size=6)
    for path in _sources():
        data, _ = read_regular(path, 1 << 24)
        digest.update(data if data is not None else path.encode())
    return f"facts-{__version__}-{digest.hexdigest()}.{_FORMAT}"


def _user_cache_home() -> Path:
    """The platform's per-user cache folder (the XDG rules on Linux and other Unix)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "tvusage-lint" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "tvusage-lint"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "tvusage-lint"


def cache_home() -> Path:
    """``$TVUSAGE_LINT_CACHE_DIR``, else the user's cache folder: never the checkout's."""
    env = os.environ.get(ENV_DIR, "")
    return Path(env).expanduser().absolute() if env else _user_cache_home()


def cache_folder(root: Path) -> Path:
    """The store folder of the project at ``root``: named for it, keyed by its resolved path."""
    real = root.resolve()
    key = hashlib.blake2b(os.fsencode(real), digest_size=8).hexdigest()
    return cache_home() / f"{real.name or 'root'}-{key}"


def _header() -> bytes:
    fields = {"tool": "tvusage-lint", "version": __version__, "layout": LAYOUT}
    return json.dumps({**fields, "schema": schema(), "format": _FORMAT}, sort_keys=True).encode()


def _codec():  # type: ignore[no-untyped-def]
    import msgspec

    return msgspec.json if _FORMAT == "json" else msgspec.msgpack


class Cache:
    """Facts by ``kind:content-hash`` key; ``warnings`` says what went wrong, once each."""

    def __init__(self, root: Path) -> None:
        self.warnings: list[str] = []
        self.entries: dict[str, object] = {}
        self.used: set[str] = set()  # keys this run read or wrote
        self.dirty = False
        try:
            self.folder = cache_folder(root)
        except (OSError, RuntimeError) as exc:  # no home folder, unresolvable root
            self.folder = None
            self.file = None
            self.warnings.append(f"no cache: cannot find a cache folder ({exc}); ignoring it")
            return
        self.file = self.folder / cache_file_name()
        self._load()

    def _load(self) -> None:
        assert self.file is not None
        try:
            owner = os.stat(self.file).st_uid
        except FileNotFoundError:
            return
        except OSError as exc:
            self._unusable(exc.strerror or str(exc))
            return
        if hasattr(os, "geteuid") and owner != os.geteuid():
            # a shared TVUSAGE_LINT_CACHE_DIR: another user could plant a lying store
            self._unusable("owned by another user")
            return
        data, error = read_regular(self.file, MAX_STORE_BYTES)
        if data is None:
            if error.startswith("file too large"):
                error = f"larger than {MAX_STORE_BYTES} bytes"
            self._unusable(error)
            return
        header, _, body = data.partition(b"\n")
        if len(header) > _MAX_HEADER or header != _header():
            self._unusable("not a store of this tvusage-lint version")
            return
        from tvusage_lint.files.gcpause import paused

        try:
            with paused():  # millions of acyclic facts: collections would walk them for nothing
                self.entries = self._decode(body)
        except Exception as exc:  # noqa: BLE001 - any broken store is only a warning
            self._unusable(f"{type(exc).__name__}: {str(exc)[:200]}")

    @staticmethod
    def _decode(body: bytes) -> dict[str, object]:
        import msgspec

        codec = _codec()
        types = fact_types()
        sections = codec.decode(body, type=dict[str, msgspec.Raw])
        entries: dict[str, object] = {}
        for kind, raw in sections.items():
            if kind not in types:
                raise ValueError(f"unknown section {kind!r}")
            for key, value in codec.decode(raw, type=dict[str, types[kind]]).items():
                entries[f"{kind}:{key}"] = value
        return entries

    def _unusable(self, reason: str) -> None:
        self.entries = {}
        self.warnings.append(f"cache {self.file} is unreadable ({reason}); ignoring it")

    def get(self, key: str) -> object | None:
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: object) -> None:
        self.entries[key] = value
        self.used.add(key)
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the store when something was added. Entries for contents no longer
        seen (``keep``: by default those this run used) are dropped once they are more
        than half of the store, so it stays near the size of the tree."""
        if not self.dirty or self.folder is None or self.file is None:
            return
        from tvusage_lint.files.atomic import replace_file

        keep = self.used if keep is None else keep
        data = self.entries
        if len(data) > 2 * max(len(keep), 1):
            data = {k: v for k, v in data.items() if k in keep}
        sections: dict[str, dict[str, object]] = {}
        for key, value in data.items():
            kind, _, digest = key.partition(":")
            sections.setdefault(kind, {})[digest] = value
        try:
            home = cache_home()
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            for name, text in (
                ("CACHEDIR.TAG", _TAG),
                (".gitignore", "# Created by tvusage-lint automatically.\n*\n"),
            ):
                if not (home / name).exists():
                    replace_file(home / name, text.encode(), mode=0o644)
            body = _codec().encode(sections)
            del sections, data  # the encoded store is the only copy the write needs
            replace_file(self.file, (_header(), b"\n", body), mode=0o600)
            self.dirty = False
        except OSError as exc:
            self.warnings.append(f"cannot write cache in {self.folder}: {exc.strerror or exc}")
