"""Paths on the command line → the files to report on and the files to index.

Pre-commit passes single files; the index must still see the whole package
they belong to, so every reported Python file pulls in its top package.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.files.reading import classify, is_inside

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
    root: Path | None = None  # the project root (resolved): links may point only inside it
    # a link to another file of the tree: Python imports it under this module name too, so
    # it is indexed under it, while its findings go to ``display``, the target's, once
    link_of: Path | None = None


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


def project_root(start: Path) -> Path:
    """The nearest folder above ``start`` with a pyproject.toml or .git; else the
    folder above the outermost package, so every path into a tree shares one root.
    Found from ``start`` as named (a link is not followed out of its project) and
    returned resolved, for comparing with resolved link targets."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder.resolve()
    if (here / "__init__.py").is_file():
        return package_root(here).resolve()
    return here.resolve()


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
    reported: dict[Path, Path] = {}  # file → its project root
    for raw in paths:
        path = Path(raw)
        try:
            exists = path.exists()
            is_dir = exists and path.is_dir()
            # a named file keeps its own name (a link is checked, not followed blindly)
            absolute = path.resolve() if is_dir else path.parent.resolve() / path.name
            root = project_root(path) if exists else cwd
        except (OSError, RuntimeError) as exc:
            raise UsageError(f"{raw}: cannot resolve path ({exc})") from None
        if not exists:
            if path.is_symlink():
                raise UsageError(f"{raw}: broken symbolic link")
            raise UsageError(f"{raw}: no such file or directory")
        if is_dir:
            if not is_inside(absolute, root):
                found.warnings.append(f"{raw}: symlink to outside the project; skipped")
                continue
            for file in _walk(absolute, exclude):
                reported.setdefault(file, root)
        else:
            reported.setdefault(absolute, root)
    context: dict[Path, Path] = {}
    roots: dict[Path, Path] = {}
    tops: dict[Path, Path] = {}  # folder → its package root: one walk up per folder, not per file

    def top_of(folder: Path) -> Path:
        if folder not in tops:
            tops[folder] = package_root(folder)
        return tops[folder]

    for file, root in reported.items():
        if file.suffix == ".py":
            top = top_of(file.parent)
            if top != file.parent:
                # the outermost package folder (below the root)
                rel = file.parent.relative_to(top)
                roots.setdefault(top / rel.parts[0], root)
    csrc_roots: dict[Path, Path] = {}
    for file, root in reported.items():
        if file.suffix != ".py" and CPP_FOLDER in file.parts[:-1]:
            at = len(file.parts) - 1 - list(reversed(file.parts[:-1])).index(CPP_FOLDER)
            csrc_roots.setdefault(Path(*file.parts[:at]), root)
    for folder in sorted({**roots, **csrc_roots}):
        root = csrc_roots.get(folder) or roots[folder]
        for file in _walk(folder, exclude):
            if file not in reported and (file.suffix == ".py" or folder in csrc_roots):
                context.setdefault(file, root)
    # resolved file → (name, report, root, C++ place), and the other names of it
    chosen: dict[Path, tuple[Path, bool, Path, tuple[str, str] | None]] = {}
    names: dict[Path, list[Path]] = {}
    for file, report, root in [
        *((f, True, r) for f, r in reported.items()),
        *((f, False, r) for f, r in context.items()),
    ]:
        place = None
        if file.suffix != ".py":
            if _excluded(file, cpp_exclude):
                continue
            place = _cpp_place(file, cpp_include)
            if place is None:
                continue
        why = classify(file, root)
        if why and not why.startswith("cannot read"):  # an unreadable file is a TVU001 later
            found.warnings.append(f"{display_path(file, cwd)}: {why}; skipped")
            continue
        real = file.resolve() if not why and file.is_symlink() else file
        names.setdefault(real, []).append(file)
        seen = chosen.get(real)
        if seen is None:
            chosen[real] = (file, report, root, place)
        elif file == real or (report and not seen[1]):
            # a link and its target: the findings go to one path, the target's if in the tree
            chosen[real] = (file, report or seen[1], root, place)
        elif report:
            chosen[real] = (*seen[:1], True, *seen[2:])
    links: list[SourceFile] = []
    for real, (file, report, root, place) in chosen.items():
        display = display_path(file, cwd)
        if place is None:
            module, is_package = module_name(file, top_of(file.parent))
            found.python.append(SourceFile(file, display, module, is_package, report, root=root))
            for other in names[real]:
                name, other_package = module_name(other, top_of(other.parent))
                if other != file and other.suffix == ".py" and name != module:
                    links.append(
                        SourceFile(
                            other, display, name, other_package, report, root=root, link_of=file
                        )
                    )
        else:
            rel, package = place
            found.cpp.append(SourceFile(file, display, "", False, report, rel, package, root))
    found.python.extend(links)
    return found


def csrc_context(
    files: list[SourceFile],
    *,
    cpp_include: tuple[str, ...],
    cpp_exclude: tuple[str, ...],
    exclude: tuple[str, ...] = (),
    cwd: Path | None = None,
) -> list[SourceFile]:
    """The C++ files of the csrc folder of each package ``files`` belong to, as context
    (never reported): a run on Python files alone (pre-commit, an editor buffer) still
    sees the operators their ``torch.ops`` calls reach, and so gives a full run's findings."""
    cwd = (cwd or Path.cwd()).resolve()
    folders: dict[Path, Path] = {}
    for source in files:
        top = package_root(source.path.parent)
        if top == source.path.parent:
            continue
        folder = top / source.path.parent.relative_to(top).parts[0] / CPP_FOLDER
        folders.setdefault(folder, source.root or project_root(folder))
    out: list[SourceFile] = []
    for folder, root in sorted(folders.items()):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for file in _walk(folder, exclude):
            place = None if _excluded(file, cpp_exclude) else _cpp_place(file, cpp_include)
            if place is None or classify(file, root):
                continue
            display = display_path(file, cwd)
            out.append(SourceFile(file, display, "", False, False, place[0], place[1], root))
    return out
