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

from tvusage_lint.files.discovery import UsageError

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


_KEPT_GIT_ENV = ("GIT_CONFIG", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")


def _env() -> dict[str, str]:
    """The caller's environment without git variables that redirect git or run programs
    (GIT_DIR, GIT_EXTERNAL_DIFF, GIT_PAGER, GIT_SSH, ...). Config the CI itself sets
    (GIT_CONFIG_*, e.g. safe.directory) is kept: it does not come from the checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or k.startswith(_KEPT_GIT_ENV)
    }
    env.update(
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_LITERAL_PATHSPECS="1",
        LC_ALL="C",
    )
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
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent  # a PATH that does not exist is the analysis' error to report
    done = git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        advice = [
            line.strip()
            for line in done.stderr.decode("utf-8", "replace").splitlines()
            if line.strip().startswith("git config") and "safe.directory" in line
        ]
        if advice:
            raise GitError(
                f"git refuses the repository at {folder} (owned by another user): "
                f"if you trust it, run `{advice[0]}`"
            )
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


def _renames_args(base: str) -> list[str]:
    """Files renamed between the merge base and HEAD: tree to tree (no worktree, so no
    clean filters), without external diff or textconv."""
    return ["diff", "--no-ext-diff", "--no-textconv", "-M", "--name-status", "-z", base, "HEAD"]


def parse_renames(raw: bytes) -> dict[str, str]:
    """``--name-status -z`` output → old path → new path, repo-relative posix."""
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


def listing(
    top: Path, commit: str, patterns: tuple[str, ...], under: tuple[str, ...] = ()
) -> list[tuple[str, PurePosixPath]]:
    """(blob id, path) of the regular files of ``commit`` whose name matches ``patterns``,
    in the folders ``under`` (repo-relative) when given; symlinks and submodules skipped."""
    folders = [f for f in under if f] if "" not in under else []
    raw = git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *folders], top).stdout
    wanted: list[tuple[str, PurePosixPath]] = []
    for record in raw.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, sha = meta.split(" ")
        if kind != "blob" or mode not in _REGULAR_MODES or not _wanted(path, patterns):
            continue
        rel = _safe_rel(path)
        if rel is not None:
            wanted.append((sha, rel))
    return wanted


def write_blobs(batch: bytes, wanted: list[tuple[str, PurePosixPath]], dest: Path) -> int:
    """Split ``git cat-file --batch`` output into files under ``dest``."""
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


def export(
    top: Path, commit: str, dest: Path, patterns: tuple[str, ...], under: tuple[str, ...] = ()
) -> int:
    """Write the files ``listing`` selects under ``dest`` (in one ``git cat-file`` call)."""
    wanted = listing(top, commit, patterns, under)
    if not wanted:
        return 0
    stdin = "".join(f"{sha}\n" for sha, _ in wanted).encode()
    return write_blobs(git(["cat-file", "--batch"], top, stdin=stdin).stdout, wanted, dest)


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


class BaseTree:
    """The merge base, exported while the checkout is analysed.

    The merge base is resolved at once (a bad ref fails before any analysis);
    then ``git cat-file`` and the rename diff run as background processes writing
    to scratch files, so their time overlaps the head run. Processes, not
    threads: the head run may fork parse workers. ``wait`` writes the tree;
    ``close`` stops git and removes everything, however the run ends.
    """

    def __init__(self, paths: list[Path], ref: str, patterns: tuple[str, ...]) -> None:
        self.ref = ref
        self.top = repo_top(paths[0])
        under = top_folders(self.top, paths)
        self.commit = merge_base(self.top, ref)
        self.folder = Path(tempfile.mkdtemp(prefix="tvusage-base-", dir=_scratch()))
        self._procs: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
        self._base: Base | None = None
        try:
            self.root = (self.folder / "tree").resolve()
            self.root.mkdir()
            self._wanted = listing(self.top, self.commit, patterns, under)
            shas = self.folder / "blob-ids"
            shas.write_text("".join(f"{sha}\n" for sha, _ in self._wanted), encoding="ascii")
            self._blobs = self._spawn("blobs", ["cat-file", "--batch"], shas)
            self._renames = self._spawn("renames", _renames_args(self.commit), None)
        except BaseException:
            self.close()
            raise

    def _spawn(self, name: str, args: list[str], stdin: Path | None) -> Path:
        out, err = self.folder / name, self.folder / f"{name}.err"
        with open(out, "wb") as o, open(err, "wb") as e:
            source = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
            try:
                proc = subprocess.Popen(
                    ["git", *SAFE_CONFIG, *args],
                    cwd=self.top,
                    stdin=source,
                    stdout=o,
                    stderr=e,
                    env=_env(),
                )
            finally:
                if stdin:
                    source.close()  # type: ignore[union-attr]
        self._procs.append((proc, out, err))
        return out

    def wait(self) -> Base:
        if self._base is not None:
            return self._base
        for proc, _, err in self._procs:
            if proc.wait() != 0:
                lines = err.read_text("utf-8", "replace").strip().splitlines()
                raise GitError(f"git failed: {lines[-1] if lines else proc.returncode}")
        write_blobs(self._blobs.read_bytes(), self._wanted, self.root)
        renamed = parse_renames(self._renames.read_bytes())
        self._base = Base(self.ref, self.commit, self.top, self.root, renamed)
        return self._base

    def close(self) -> None:
        for proc, _, _ in self._procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> BaseTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def exported_base(paths: list[Path], ref: str, patterns: tuple[str, ...]) -> Iterator[Base]:
    """The merge base of ``ref`` and HEAD of the repository holding ``paths``, as files
    in a temporary folder that is removed however the block ends. Only the top-level
    folders holding ``paths`` are exported (not tests, docs, references)."""
    with BaseTree(paths, ref, patterns) as tree:
        yield tree.wait()
