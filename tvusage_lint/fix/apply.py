"""Apply the fixes of a run: per file, in one pass, verified, written atomically.

A file is fixed only when it parsed (no TVU001 on it). Python files go to the
libcst fixer, C++ files to offset edits; both verify before returning new
text. ``--fix`` repeats rounds until nothing changes (at most ``ROUNDS``).
"""

from __future__ import annotations

import difflib
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from tvusage_lint.core.config import DEFAULT_MAX_FILE_SIZE
from tvusage_lint.core.findings import Finding
from tvusage_lint.engine import Engine, Result
from tvusage_lint.files.discovery import SourceFile, project_root
from tvusage_lint.files.reading import read_regular
from tvusage_lint.fix import (
    CHANGED,
    FixResult,
    NotWritten,
    confined,
    digest,
    wanted,
    write_atomic,
)


@dataclass
class Outcome:
    changed: list[str] = field(default_factory=list)
    diff: str = ""
    messages: list[str] = field(default_factory=list)
    # without writing: the fixed bytes of each changed file (an overlay to re-analyse with)
    fixed: dict[Path, bytes] = field(default_factory=dict)
    before: Result | None = None  # fix_until_stable: the run before any fix


def decode(data: bytes) -> tuple[str, str]:
    """(text with its own newlines, encoding)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def root_of(source: SourceFile) -> Path:
    return source.root or project_root(source.path)


def read_for_fix(source: SourceFile, limit: int) -> tuple[str, str, str]:
    """(text, encoding, digest of the bytes) of a file about to be fixed, read as the
    analysis read it (a regular file, inside the project, under the size cap)."""
    data, error = read_regular(confined(source.path, root_of(source)), limit)
    if data is None:
        raise NotWritten(error)
    text, encoding = decode(data)
    return text, encoding, digest(data)


def fix_file(
    result: Result,
    display: str,
    findings: list[Finding],
    unsafe: bool,
    limit: int = DEFAULT_MAX_FILE_SIZE,
) -> tuple[str, str, str, FixResult] | None:
    source = result.sources.get(display)
    if source is None:
        return None
    text, encoding, seen = read_for_fix(source, limit)
    return text, encoding, seen, fix_source(source, text, findings, unsafe=unsafe)


def fix_source(
    source: SourceFile, text: str, findings: list[Finding], *, unsafe: bool
) -> FixResult:
    """The fixes of ``findings`` applied to ``text``, the content of ``source``: the libcst
    fixer for Python, offset edits for C++ (the language server calls this on buffers)."""
    if source.path.suffix == ".py":
        from tvusage_lint.fix.python import fix_text

        return fix_text(text, findings, unsafe=unsafe, module_name=source.module)
    from tvusage_lint.fix.cpp import fix_text as cpp_fix_text

    return cpp_fix_text(text, findings, unsafe=unsafe)


def apply_fixes(
    result: Result, *, unsafe: bool, write: bool, limit: int = DEFAULT_MAX_FILE_SIZE
) -> Outcome:
    outcome = Outcome()
    by_file: dict[str, list[Finding]] = {}
    broken: set[str] = set()
    for finding in result.findings:
        if finding.code == "TVU001":
            broken.add(finding.path)
        elif wanted(finding, unsafe):
            assert finding.fix is not None
            target = finding.fix.param("file") or finding.path  # a fix may live in a base's file
            by_file.setdefault(target, []).append(finding)
    for display, findings in sorted(by_file.items()):
        if display in broken:
            outcome.messages.append(
                f"{display}: not fixed, the file has errors the tool cannot parse"
            )
            continue
        try:
            done = fix_file(result, display, findings, unsafe, limit)
        except (NotWritten, OSError, UnicodeDecodeError, SyntaxError) as exc:
            outcome.messages.append(f"{display}: not fixed: {exc}")
            continue
        if done is None:
            continue
        old, encoding, seen, fixed = done
        for finding, reason in fixed.skipped:
            outcome.messages.append(
                f"{display}:{finding.line}:{finding.column}: {finding.code} not fixed: {reason}"
            )
        if not fixed.changed or fixed.text == old:
            continue
        outcome.changed.append(display)
        if write:
            source = result.sources[display]
            try:
                write_atomic(
                    source.path,
                    fixed.text,
                    newline="\n",
                    encoding=encoding,
                    root=root_of(source),
                    expected=seen,
                    limit=limit,
                )
            except NotWritten as exc:
                outcome.messages.append(f"{display}: not fixed: {exc}")
                outcome.changed.remove(display)
            except OSError as exc:
                outcome.messages.append(f"{display}: cannot write the fix: {exc.strerror or exc}")
                outcome.changed.remove(display)
        else:
            outcome.fixed[result.sources[display].path] = fixed.text.encode(encoding)
            outcome.diff += "".join(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    fixed.text.splitlines(keepends=True),
                    fromfile=f"a/{display}",
                    tofile=f"b/{display}",
                )
            )
    return outcome


ROUNDS = 4


def fix_until_stable(engine: Engine, paths: list[str], *, unsafe: bool) -> tuple[Result, Outcome]:
    """Fix, re-check, fix again while something changes (fixes can enable fixes)."""
    result = engine.run(paths)
    total = Outcome(before=result)
    for _ in range(ROUNDS):
        outcome = apply_fixes(
            result, unsafe=unsafe, write=True, limit=engine.settings.max_file_size
        )
        # a file that changed under a round and was fixed by a later one needs no word
        stale = {f"{path}: not fixed: {CHANGED}" for path in outcome.changed}
        total.messages = [m for m in total.messages if m not in stale]
        total.messages.extend(outcome.messages)
        for path in outcome.changed:
            if path not in total.changed:
                total.changed.append(path)
        if not outcome.changed:
            break
        result = engine.run(paths)
    total.messages = list(dict.fromkeys(total.messages))
    return result, total
