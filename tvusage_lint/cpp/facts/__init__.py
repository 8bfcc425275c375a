"""C++ source → plain facts, with libclang and without torch's headers.

Facts depend on the file's bytes and its extension only: the file is parsed
under a virtual name, so ``#include "nms.h"`` can never reach a real header
next to it. What libclang is asked to do, and why, is in docs/cpp-design.md:

- ``#include`` lines are blanked (same length) so a missing header is not a
  fatal error that hides every later diagnostic;
- a small prelude defines ``C10_LOG_API_USAGE_ONCE`` as a call to a declared
  function (an inserted or moved call adds no error) and the CUDA qualifiers;
- definitions libclang drops because a qualifier is unknown
  (``Video::Video(...)`` with ``Video`` declared in a header) get a second
  parse with stub declarations generated from the file's own diagnostics;
- every preprocessor branch is parsed at once, so that both the stub under
  ``#if !PNG_FOUND`` and the real implementation under ``#else`` are seen;
  when that breaks the structure (a signature split across branches), the
  file is parsed once with its feature macros undefined and once with all of
  them defined as 1.

libclang finds the definitions (qualified names, bodies); what is inside a
body (the macro calls, the first statement, stub bodies) and the
registrations are read from a copy of the text with comments and string
contents blanked, which is faster than tokens and does not depend on how
libclang recovers from the undeclared names a body is full of.

The package: ``types`` (the facts), ``text`` (the blanked views, lines, brackets),
``preprocessor`` (``#include`` and ``#if``), ``declarations`` (libclang's parse),
``stubs`` (declarations for what it dropped), ``bodies`` (inside a definition),
``registrations`` (operators and classes); this module runs them for one file.

May import: libclang, ``cpp.guard``, ``cpp.diagnostics``, ``cpp.stable`` and
``core.suppressions``; never the settings or the rules (an import-linter contract in
pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from tvusage_lint.core.suppressions import scan_cpp
from tvusage_lint.cpp import diagnostics, guard
from tvusage_lint.cpp.facts.bodies import _function_fact
from tvusage_lint.cpp.facts.declarations import _cindex, _parse, language, load
from tvusage_lint.cpp.facts.preprocessor import _BRANCH, _blank_includes, feature_macros
from tvusage_lint.cpp.facts.registrations import _registrations, op_base, op_name
from tvusage_lint.cpp.facts.stubs import _stub_declarations
from tvusage_lint.cpp.facts.text import _brace_pairs, _Lines, _offset_maps, _Views, _views
from tvusage_lint.cpp.facts.types import (
    KIND_CONSTRUCTOR,
    KIND_DESTRUCTOR,
    KIND_FUNCTION,
    KIND_METHOD,
    MACRO,
    REG_CLASS,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    CppFacts,
    Function,
    LogCall,
    Registration,
    failed,
)
from tvusage_lint.cpp.stable import scan as scan_unit

__all__ = [
    "KIND_CONSTRUCTOR",
    "KIND_DESTRUCTOR",
    "KIND_FUNCTION",
    "KIND_METHOD",
    "MACRO",
    "REG_CLASS",
    "REG_DEF",
    "REG_OP",
    "REG_SCHEMA",
    "CppFacts",
    "Function",
    "LogCall",
    "Registration",
    "errors",
    "extract",
    "failed",
    "feature_macros",
    "language",
    "load",
    "op_base",
    "op_name",
]


def _decode(data: bytes) -> tuple[str | None, str, int]:
    if b"\0" in data:
        return None, "binary file (contains NUL bytes)", 1
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "", 0
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, f"not valid UTF-8 (byte {exc.start})", line


def extract(data: bytes, filename: str) -> CppFacts:
    """Facts of one C++ file; never raises (a failure is ``error``)."""
    try:
        return _extract(data, filename)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        return failed(f"libclang could not parse the file: {type(exc).__name__}: {exc}")


def _extract(data: bytes, filename: str, messages: list[str] | None = None) -> CppFacts:
    text, problem, problem_line = _decode(data)
    if text is None:
        return failed(problem, problem_line)
    views = _views(text)
    lines = _Lines(text)
    if views.unterminated >= 0:
        return CppFacts(
            suppressions=scan_cpp(text),
            error="unterminated /* comment",
            error_line=lines.line(views.unterminated),
        )
    danger = guard.hazard(views.code, views.nocomment)
    if danger is not None:
        return CppFacts(
            suppressions=scan_cpp(text),
            error=f"not parsed, libclang would overflow its stack: {danger[1]}",
            error_line=lines.line(danger[0]),
        )
    source = text.encode("utf-8")
    to_char, to_byte = _offset_maps(text, source)
    source = _blank_includes(source)
    lang = language(filename)
    facts = _analyse(text, views, lines, source, to_char, to_byte, lang, messages)
    if facts.error.startswith("syntax error") and lang == "c++" and _is_header(filename):
        # a header cannot say its language: one included by .mm files is Objective-C++
        retry: list[str] = []
        other = _analyse(text, views, lines, source, to_char, to_byte, "objective-c++", retry)
        if not other.error:
            if messages is not None:
                messages[:] = retry
            facts = other
    return facts


def _is_header(filename: str) -> bool:
    return filename.lower().rsplit(".", 1)[-1] in ("h", "hh", "hpp", "hxx", "cuh")


class _Plan:
    """Parses of one file under some configurations, merged."""

    def __init__(self, source: bytes, lang: str, views: _Views, to_char: Any) -> None:
        self.source, self.lang, self.views, self.to_char = source, lang, views, to_char
        self.records: dict[tuple[str, int], tuple[Any, ...]] = {}
        self.namespaces: list[tuple[int, int, str]] = []
        self.messages: list[str] = []
        self.structural: list[tuple[int, str]] = []
        self.parses = 0

    def run(self, configurations: list[list[str]], *, retain: bool) -> None:
        stubs: list[str] = []
        code = self.views.code
        for defines in configurations:
            parsed = _parse(
                self.source, self.lang, defines, "\n".join(stubs), code, self.to_char, retain
            )
            self.parses += 1
            found = _stub_declarations(parsed, code, self.to_char, parsed.namespaces)
            new = [d for d in found if d not in stubs]
            if new:
                stubs.extend(new)
                parsed = _parse(
                    self.source, self.lang, defines, "\n".join(stubs), code, self.to_char, retain
                )
                self.parses += 1
            for record in parsed.functions:
                self.records.setdefault((record[1] + "::" + record[0], record[5]), record)
            self.namespaces.extend(n for n in parsed.namespaces if n not in self.namespaces)
            self.messages.extend(message for message, _ in parsed.diagnostics)
            self.structural.extend(
                diagnostics.real_errors(parsed.diagnostics, parsed.categories, code, self.to_char)
            )


def _analyse(
    text: str,
    views: _Views,
    lines: _Lines,
    source: bytes,
    to_char: Any,
    to_byte: Any,
    lang: str,
    messages: list[str] | None,
) -> CppFacts:
    suppressions = scan_cpp(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        _cindex()
    except Exception as exc:  # noqa: BLE001 - no libclang: say so on each C++ file
        return failed(f"libclang is not available: {exc}")
    # Every branch at once first; per configuration when that breaks the structure
    # (a signature split across `#if`/`#else`).
    plan = _Plan(source, lang, views, to_char)
    plan.run([[]], retain=True)
    if plan.structural and _BRANCH.search(views.nocomment):
        macros = feature_macros(views.nocomment)
        fallback = _Plan(source, lang, views, to_char)
        fallback.run([[], [f"-D{name}=1" for name in macros]] if macros else [[]], retain=False)
        fallback.parses += plan.parses
        plan = fallback
    if messages is not None:
        messages.extend(plan.messages)
    if plan.structural:
        offset, message = min(plan.structural)
        line = lines.line(to_char(offset)) if offset >= 0 else 1
        return CppFacts(
            suppressions=suppressions,
            parses=plan.parses,
            error=f"syntax error: {message}",
            error_line=line,
        )
    records = plan.records
    namespaces = plan.namespaces
    parses = plan.parses
    functions = []
    braces = _brace_pairs(views.code)
    for record in sorted(records.values(), key=lambda r: r[5]):
        fact = _function_fact(record, text, views, lines, to_char, braces)
        if fact is not None:
            functions.append(fact)
    return CppFacts(
        functions=tuple(functions),
        registrations=_registrations(views, lines, namespaces, to_byte),
        suppressions=suppressions,
        newline=newline,
        parses=parses,
        unit=scan_unit(text, views.code, views.nocomment, lines.line),
    )


def errors(text: str, filename: str) -> tuple[str, list[str]]:
    """(error, libclang's error messages) of ``text``, to tell whether a fix broke it."""
    messages: list[str] = []
    try:
        facts = _extract(text.encode("utf-8"), filename, messages)
    except Exception as exc:  # noqa: BLE001
        return f"libclang could not parse the file: {type(exc).__name__}: {exc}", messages
    return facts.error, messages
