"""What the language server knows about the trees its open documents belong to.

A project is the files that share one configuration and one project root (the
folder the cache lives in, as for ``check``). A check of a project is one engine
run over its open documents with their buffers as an overlay, so the findings of a
document are what ``tvusage-lint check`` reports for the same text (a file's
findings do not depend on which other files are reported on: tests/server pins it).
Facts stay in memory, a buffer's by content hash, a file's on disk by size and
modification time: an edit re-extracts the edited buffer only. The run itself is the
server's ``LiveEngine`` (``incremental.py``): it keeps the discovery, the index and
each module's entry points of the last run, and recomputes only the modules an edit
can affect (a full run when files come or go, the open documents or the settings
change, or a module's names, imports or bases do). On the 5,000-module tree of
``benchmarks/synthetic.py`` an edit costs tens of milliseconds instead of 650
(``benchmarks/lsp_latency.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.core import config as cfg
from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Result
from tvusage_lint.frontends.server.incremental import LiveEngine, Memory


class MemoryCache:
    """Facts by content key, in memory, seeded from the on-disk cache of ``check``.

    Entries that neither of the last two runs used are dropped: every keystroke makes
    a new buffer text, and the facts of the ones before would only pile up.
    """

    def __init__(self, disk: object | None = None) -> None:
        self.disk = disk  # a tvusage_lint.files.cache.Cache, read until the first run is over
        self.entries: dict[str, object] = {}
        self._used: list[set[str]] = [set(), set()]  # keys the last run and this one used

    def get(self, key: str) -> object | None:
        self._used[-1].add(key)
        hit = self.entries.get(key)
        if hit is None and self.disk is not None:
            hit = self.disk.get(key)  # type: ignore[attr-defined]
            if hit is not None:
                self.entries[key] = hit
        return hit

    def put(self, key: str, value: object) -> None:
        self._used[-1].add(key)
        self.entries[key] = value

    def end_run(self) -> None:
        keep = self._used[0] | self._used[1]
        if len(self.entries) > len(keep):
            self.entries = {k: v for k, v in self.entries.items() if k in keep}
        self._used = [self._used[1], set()]


@dataclass
class Project:
    """One configuration and project root, its settings and its facts."""

    root: Path
    config: Path | None  # the pyproject.toml with a [tool.tvusage-lint] table, if any
    settings: cfg.Settings
    config_stamp: float
    cache: MemoryCache
    runs: int = 0
    warnings: list[str] = field(default_factory=list)
    known: dict[tuple[str, Path], tuple[int, int, object]] = field(default_factory=dict)
    memory: Memory = field(default_factory=Memory)
    # the client reports changes on disk (watched files): files already read are not
    # stat'ed again at every check (5,000 stats cost 15-20 ms)
    trust_events: bool = False

    def check(self, paths: Iterable[Path], overlay: Mapping[Path, bytes]) -> Result:
        """One engine run reporting on ``paths``, reading ``overlay`` instead of disk."""
        self._reload_config()
        # one process: forking parsers from a process that runs threads (the server's
        # reader and checker) can hang the child on a lock another thread held
        engine = LiveEngine(
            self.settings,
            cache=self.cache,
            overlay=overlay,
            known=self.known,
            memory=self.memory,
            trust=self.trust_events,
        )
        result = engine.run([str(p) for p in sorted(set(paths))], cwd=self.root)
        self.runs += 1
        if self.runs == 1:
            self._save_disk_cache()
        self.cache.end_run()
        return result

    def _reload_config(self) -> None:
        """A saved change to the configuration applies to the next check."""
        stamp = _stamp(self.config)
        if stamp != self.config_stamp:
            self.settings = load_settings(self.config)
            self.config_stamp = stamp
            self.known.clear()  # the layer scan may be on or off now
            self.memory.forget()

    def files_changed(self) -> None:
        """Files were created, deleted or renamed: the next check discovers again."""
        self.memory.forget()

    def file_changed(self, path: Path) -> None:
        """``path`` changed on disk (or came or went): its facts are read again."""
        for key in [k for k in self.known if k[1] == path]:
            del self.known[key]

    def _save_disk_cache(self) -> None:
        """After the first (cold) run: the facts go to ``check``'s cache, so a later
        start, or a ``check`` from the terminal, finds them; then memory only."""
        disk = self.cache.disk
        if disk is None:
            return
        for key, value in self.cache.entries.items():
            if disk.get(key) is None:  # type: ignore[attr-defined]
                disk.put(key, value)  # type: ignore[attr-defined]
        disk.save()  # type: ignore[attr-defined]
        self.warnings.extend(getattr(disk, "warnings", []))
        self.cache.disk = None


def _stamp(path: Path | None) -> float:
    if path is None:
        return 0.0
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def load_settings(config: Path | None) -> cfg.Settings:
    """As ``check`` without options does; raises ``ConfigError`` (one line) for a bad table."""
    try:
        return cfg.with_cli(cfg.load(config))
    except ValueError as exc:
        raise cfg.ConfigError(str(exc)) from None


class Projects:
    """The projects of the open documents, made on first use."""

    def __init__(self, *, use_disk_cache: bool = True) -> None:
        self.use_disk_cache = use_disk_cache
        self.by_key: dict[tuple[Path, Path | None], Project] = {}
        self.watched = False  # the client reports changes on disk

    def watch(self) -> None:
        """From now on the client reports changes on disk: trust it, every project."""
        self.watched = True
        for project in self.by_key.values():
            project.trust_events = True

    def for_file(self, path: Path) -> Project:
        """The project of ``path``; ``ConfigError`` when its configuration is broken."""
        from tvusage_lint.files.cache import project_root

        folder = path.parent if path.parent.is_dir() else Path.cwd()
        config = cfg.find_pyproject(folder)
        root = project_root(folder)
        key = (root, config)
        project = self.by_key.get(key)
        if project is None:
            settings = load_settings(config)
            disk = None
            if self.use_disk_cache:
                from tvusage_lint.files.cache import Cache

                disk = Cache(root)
            project = Project(root, config, settings, _stamp(config), MemoryCache(disk))
            project.trust_events = self.watched
            if disk is not None:
                project.warnings.extend(disk.warnings)
            self.by_key[key] = project
        return project


def findings_by_path(result: Result, root: Path) -> dict[Path, list[Finding]]:
    """The findings of a run keyed by absolute path (findings carry display paths,
    relative to ``root``, the folder the run was made from)."""
    out: dict[Path, list[Finding]] = {}
    for finding in result.findings:
        source = result.sources.get(finding.path)
        path = source.path if source is not None else (root / finding.path)
        out.setdefault(path, []).append(finding)
    return out
