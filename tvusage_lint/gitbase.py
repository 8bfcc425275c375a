"""The merge base of a ref and HEAD, exported from git objects into a temporary tree.

``--diff-base`` analyses two trees. The checkout is untrusted, so git runs with
a fixed environment and only plumbing that cannot run configured code: no
pager, no hooks, no fsmonitor, no external diff or textconv, and the base's
files are read as raw blobs with ``git cat-file --batch`` (no ``git archive``
or checkout, whose attributes could select filter drivers). Symlinks and
submodules in the base tree are skipped, and no path may leave the
temporary folder.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tvusage_lint.discovery import UsageError

SAFE_CONFIG = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.pager=cat",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "diff.renames=true",
    "-c",
    "protocol.allow=never",
)
_REGULAR_MODES = {"100644", "100755"}


class GitError(UsageError):
    """A one-line user error: no repository, an unknown ref, no merge base."""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_LITERAL_PATHSPECS="1",
        LC_ALL="C",
    )
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def git(
    args: list[str], cwd: Path, *, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", *SAFE_CONFIG, *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("--diff-base needs git, and `git` is not on PATH") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done


def _out(args: list[str], cwd: Path) -> str:
    return git(args, cwd).stdout.decode("utf-8", "surrogateescape").strip()


@dataclass
class Base:
    """The merge base, exported: ``root`` mirrors the repository top ``top``."""

    ref: str
    commit: str
    top: Path
    root: Path
    renames: dict[str, str] = field(default_factory=dict)  # old → new, repo-relative posix


def repo_top(start: Path) -> Path:
    folder = start if start.is_dir() else start.parent
    done = git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        raise GitError(
            f"{start}: not inside a git repository (--diff-base compares with git history)"
        )
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def merge_base(top: Path, ref: str) -> str:
    """The merge base of ``ref`` and HEAD, or a GitError saying what to fetch."""
    if not ref or ref.startswith("-"):
        raise GitError(f"invalid --diff-base `{ref}`: give a branch, tag or commit")
    shallow = _out(["rev-parse", "--is-shallow-repository"], top) == "true"
    found = git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top, check=False)
    if found.returncode != 0:
        if shallow:
            raise GitError(
                f"unknown revision `{ref}` in this shallow clone: run `git fetch --unshallow` "
                f"or fetch the branch (e.g. `git fetch origin main`)"
            )
        raise GitError(f"unknown revision `{ref}`: fetch it first (e.g. `git fetch origin main`)")
    commit = found.stdout.decode().strip()
    done = git(["merge-base", commit, "HEAD"], top, check=False)
    if done.returncode != 0:
        if shallow:
            raise GitError(
                f"no merge base of `{ref}` and HEAD in this shallow clone: run "
                f"`git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
            )
        raise GitError(f"`{ref}` and HEAD have no common history: nothing to compare with")
    return done.stdout.decode().strip()


def renames(top: Path, base: str) -> dict[str, str]:
    """Files renamed between the merge base and HEAD (tree to tree: no worktree,
    so no clean filters), repo-relative posix paths."""
    raw = git(
        [
            "diff",
            "--no-ext-diff",
            "--no-textconv",
            "-M",
            "--name-status",
            "-z",
            base,
            "HEAD",
            "--",
        ],
        top,
    ).stdout
    parts = raw.decode("utf-8", "surrogateescape").split("\0")
    out: dict[str, str] = {}
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i]
        if status[:1] in ("R", "C"):
            if status[:1] == "R":
                out[parts[i + 1]] = parts[i + 2]
            i += 3
        else:
            i += 2
    return out


def _safe_rel(path: str) -> PurePosixPath | None:
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts:
        return None
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in rel.parts):
        return None
    return rel


def _wanted(path: str, patterns: tuple[str, ...]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def export(
    top: Path, commit: str, dest: Path, patterns: tuple[str, ...], under: tuple[str, ...] = ()
) -> int:
    """Write the regular files of ``commit`` whose name matches ``patterns`` under ``dest``;
    only those in the folders ``under`` (repo-relative), when given."""
    folders = [f for f in under if f] if "" not in under else []
    listing = git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *folders], top).stdout
    wanted: list[tuple[str, PurePosixPath]] = []
    for record in listing.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, sha = meta.split(" ")
        if kind != "blob" or mode not in _REGULAR_MODES or not _wanted(path, patterns):
            continue
        rel = _safe_rel(path)
        if rel is not None:
            wanted.append((sha, rel))
    if not wanted:
        return 0
    batch = git(
        ["cat-file", "--batch"], top, stdin="".join(f"{sha}\n" for sha, _ in wanted).encode()
    ).stdout
    pos = 0
    root = dest.resolve()
    for _, rel in wanted:
        header_end = batch.index(b"\n", pos)
        header = batch[pos:header_end].split(b" ")
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(
                f"{rel}: its blob is not in this clone (a partial clone?): "
                f"run `git fetch --refetch` or check out without a blob filter"
            )
        size = int(header[2])
        data = batch[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
        target = root.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(root):
            continue
        target.write_bytes(data)
    return len(wanted)


def top_folders(top: Path, paths: list[Path]) -> tuple[str, ...]:
    """The top-level folders of the repository that hold ``paths`` (their packages live
    there); "" when a path is the top itself or a file in it."""
    out: set[str] = set()
    for path in paths:
        try:
            rel = path.resolve().relative_to(top)
        except ValueError:
            raise GitError(f"{path}: outside the repository {top}") from None
        out.add(rel.parts[0] if len(rel.parts) > 1 or path.is_dir() and rel.parts else "")
    return tuple(sorted(out))


def _scratch() -> str | None:
    """Where the base tree goes: a memory-backed /dev/shm when the user has not chosen
    (TMPDIR): hundreds of small files are created and removed, which costs about 1 ms
    each on some disks; None is tempfile's default."""
    if os.environ.get("TMPDIR") or tempfile.tempdir:
        return None
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


@contextmanager
def exported_base(paths: list[Path], ref: str, patterns: tuple[str, ...]) -> Iterator[Base]:
    """The merge base of ``ref`` and HEAD of the repository holding ``paths``, as files
    in a temporary folder that is removed however the block ends. Only the top-level
    folders holding ``paths`` are exported (not tests, docs, references)."""
    top = repo_top(paths[0])
    under = top_folders(top, paths)
    commit = merge_base(top, ref)
    folder = Path(tempfile.mkdtemp(prefix="tvusage-base-", dir=_scratch()))
    try:
        root = (folder / "tree").resolve()
        root.mkdir()
        export(top, commit, root, patterns, under)
        yield Base(ref=ref, commit=commit, top=top, root=root, renames=renames(top, commit))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
