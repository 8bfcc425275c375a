"""A progress bar for long cold runs, on stderr, only when a person is watching.

The engine reports ``(kind, done, total)`` for the files it has to parse (cache
hits cost nothing and are not counted). The bar appears only on a terminal and
only for batches of more than ``MIN_FILES`` files, so pre-commit, CI logs and
machine-readable output never see it; rich is imported only then.
"""

from __future__ import annotations

import sys
from typing import IO, Any

MIN_FILES = 200
LABELS = {
    "py": "Parsing Python files",
    "py+layers": "Parsing Python files",
    "cpp": "Parsing C++ files",
}


def is_tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def for_terminal(stream: IO[str] | None = None) -> Bar | None:
    """A bar writing to ``stream`` (stderr by default), or None when it is not a terminal."""
    stream = sys.stderr if stream is None else stream
    return Bar(stream) if is_tty(stream) else None


class Bar:
    """The callback handed to the engine; one transient rich bar per batch of files."""

    def __init__(self, stream: IO[str], min_files: int = MIN_FILES) -> None:
        self.stream = stream
        self.min_files = min_files
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, kind: str, done: int, total: int) -> None:
        if total <= self.min_files:
            return
        if self._progress is None:
            if done >= total:
                return
            self._start(LABELS.get(kind, f"Parsing {kind} files"), total)
        self._progress.update(self._task, completed=done)
        if done >= total:
            self.close()

    def _start(self, label: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        console = Console(file=self.stream, force_terminal=True)
        self._progress = Progress(
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total)
        self._progress.start()

    def close(self) -> None:
        """Stop and erase the bar; safe to call twice, and when none was shown."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None
