"""Paths on the command line → the files to report on and the files to index.

Pre-commit passes single files; the index must still see the whole package
they belong to, so every reported Python file pulls in its top package.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".tvusage_lint_cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    "build",
    "dist",
    ".eggs",
}
CPP_FOLDER = "csrc"


class UsageError(Exception):
    """A mistake on the command line (exit code 2)."""


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    display: str  # as printed
    module: str  # dotted module name (Python) or "" (C++)
    is_package: bool
    report: bool
    csrc_rel: str = ""  # C++: posix path under the csrc folder
    package: str = ""  # C++: the top package the csrc folder belongs to


@dataclass
class Discovery:
    python: list[SourceFile] = field(default_factory=list)
    cpp: list[SourceFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def package_root(folder: Path) -> Path:
    """The folder above the outermost package that contains ``folder``."""
    root = folder
    while (root / "__init__.py").is_file() and root.parent != root:
        root = root.parent
    return root


def module_name(path: Path, root: Path | None = None) -> tuple[str, bool]:
    """``root``: ``package_root(path.parent)`` when the caller knows it."""
    folder = path.parent
    root = package_root(folder) if root is None else root
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts) if parts else path.stem, is_package


def _excluded(path: Path, patterns: tuple[str, ...]) -> bool:
    posix = path.as_posix()
    return any(fnmatch.fnmatch(posix, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)


def _walk(folder: Path, exclude: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for current, dirs, files in os.walk(folder, followlinks=False):
        base = Path(current)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not (base / d).is_symlink()
            and not _excluded(base / d, exclude)
        )
        for name in sorted(files):
            path = base / name
            if not _excluded(path, exclude):
                out.append(path)
    return out


def _cpp_place(path: Path, include: tuple[str, ...]) -> tuple[str, str] | None:
    """(csrc_rel, package) when ``path`` is a C++ file under a csrc folder."""
    if not any(fnmatch.fnmatch(path.name, pat) for pat in include):
        return None
    parts = path.parts
    if CPP_FOLDER not in parts[:-1]:
        return None
    at = len(parts) - 1 - list(reversed(parts[:-1])).index(CPP_FOLDER) - 1
    csrc = Path(*parts[: at + 1])
    rel = path.relative_to(csrc).as_posix()
    owner = csrc.parent
    if (owner / "__init__.py").is_file():
        package = module_name(owner / "__init__.py")[0].split(".")[0]
    else:
        package = owner.name
    return rel, package


def discover(
    paths: list[str],
    *,
    cpp_include: tuple[str, ...],
    cpp_exclude: tuple[str, ...],
    exclude: tuple[str, ...] = (),
    cwd: Path | None = None,
) -> Discovery:
    cwd = (cwd or Path.cwd()).resolve()
    found = Discovery()
    reported: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        try:
            exists = path.exists()
            absolute = path.resolve() if exists else path
        except (OSError, RuntimeError) as exc:
            raise UsageError(f"{raw}: cannot resolve path ({exc})") from None
        if not exists:
            if path.is_symlink():
                raise UsageError(f"{raw}: broken symbolic link")
            raise UsageError(f"{raw}: no such file or directory")
        if absolute.is_dir():
            for file in _walk(absolute, exclude):
                reported[file] = None
        else:
            reported[absolute] = None
    context: dict[Path, None] = {}
    roots: set[Path] = set()
    tops: dict[Path, Path] = {}  # folder → its package root: one walk up per folder, not per file

    def top_of(folder: Path) -> Path:
        if folder not in tops:
            tops[folder] = package_root(folder)
        return tops[folder]

    for file in reported:
        if file.suffix == ".py":
            top = top_of(file.parent)
            if top != file.parent:
                # the outermost package folder (below the root)
                rel = file.parent.relative_to(top)
                roots.add(top / rel.parts[0])
    csrc_roots: set[Path] = set()
    for file in reported:
        if file.suffix != ".py" and CPP_FOLDER in file.parts[:-1]:
            at = len(file.parts) - 1 - list(reversed(file.parts[:-1])).index(CPP_FOLDER)
            csrc_roots.add(Path(*file.parts[:at]))
    for root in sorted(roots | csrc_roots):
        for file in _walk(root, exclude):
            if file not in reported and (file.suffix == ".py" or root in csrc_roots):
                context[file] = None
    for file, report in [*((f, True) for f in reported), *((f, False) for f in context)]:
        display = display_path(file, cwd)
        if file.suffix == ".py":
            module, is_package = module_name(file, top_of(file.parent))
            found.python.append(SourceFile(file, display, module, is_package, report))
            continue
        if _excluded(file, cpp_exclude):
            continue
        place = _cpp_place(file, cpp_include)
        if place is not None:
            rel, package = place
            found.cpp.append(SourceFile(file, display, "", False, report, rel, package))
    return found
