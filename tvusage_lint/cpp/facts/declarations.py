"""libclang → the declarations of one file: function definitions (free functions,
methods, constructors, destructors) with their scopes, through classes and
namespaces, and the errors it reports.

The file is parsed under a virtual name, after a small prelude that defines
``C10_LOG_API_USAGE_ONCE`` as a call of a declared function (an inserted or moved
call adds no error) and the CUDA qualifiers. libclang is imported here only, on the
first parse (``load`` for forked parsers).
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from typing import Any

from tvusage_lint.cpp import diagnostics
from tvusage_lint.cpp.facts.types import (
    KIND_CONSTRUCTOR,
    KIND_DESTRUCTOR,
    KIND_FUNCTION,
    KIND_METHOD,
    MACRO,
)

_VIRTUAL = "/__tvusage__/"
_PRELUDE_NAME = _VIRTUAL + "prelude.h"
_PRELUDE = f"""\
#define {MACRO}(...) __tvusage_log(__VA_ARGS__)
void __tvusage_log(const char*);
#define __global__
#define __device__
#define __host__
#define __shared__
#define __constant__
#define __managed__
#define __forceinline__
#define __noinline__
#define __launch_bounds__(...)
"""
_KEEP_GOING = 0x200  # CXTranslationUnit_KeepGoing: a fatal error does not stop the parse
_RETAIN_BRANCHES = 0x8000  # CXTranslationUnit_RetainExcludedConditionalBlocks: parse every branch

_INDEX: Any = None
_KINDS: Any = None


def _drop_index() -> None:
    """Free the index while the bindings still work: at interpreter shutdown its
    ``__del__`` would find ``clang.cindex`` torn down and print a traceback."""
    global _INDEX
    _INDEX = None


def load() -> None:
    """Load libclang now (raises when it is not available): forked parsers inherit it."""
    _cindex()


def _cindex() -> tuple[Any, Any]:
    global _INDEX, _KINDS
    if _INDEX is None:
        from clang import cindex

        _INDEX = cindex.Index.create()
        atexit.register(_drop_index)
        K = cindex.CursorKind
        # Cursor kinds as their numbers (``Cursor._kind_id``, a ctypes field of every
        # libclang release): ``cursor.kind`` builds an object on each call.
        _KINDS = {
            "functions": {
                K.FUNCTION_DECL.value: KIND_FUNCTION,
                K.FUNCTION_TEMPLATE.value: KIND_FUNCTION,
                K.CXX_METHOD.value: KIND_METHOD,
                K.CONVERSION_FUNCTION.value: KIND_METHOD,
                K.CONSTRUCTOR.value: KIND_CONSTRUCTOR,
                K.DESTRUCTOR.value: KIND_DESTRUCTOR,
            },
            "classes": {
                K.CLASS_DECL.value,
                K.STRUCT_DECL.value,
                K.UNION_DECL.value,
                K.CLASS_TEMPLATE.value,
                K.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION.value,
            },
            "namespace": K.NAMESPACE.value,
            "transparent": {K.LINKAGE_SPEC.value, K.UNEXPOSED_DECL.value},
            "tu": K.TRANSLATION_UNIT.value,
            "options": cindex.TranslationUnit.PARSE_INCOMPLETE | _KEEP_GOING,
        }
    return _INDEX, _KINDS


def language(filename: str) -> str:
    return "objective-c++" if filename.lower().endswith(".mm") else "c++"


@dataclass
class _Parsed:
    functions: list[tuple[Any, ...]]  # raw function records (byte offsets)
    namespaces: list[tuple[int, int, str]]  # (start, end, qualname) in bytes
    diagnostics: list[tuple[str, int]]  # (message, byte offset) of errors
    categories: list[int] = field(default_factory=list)  # libclang's category of each error


def _parse(
    source: bytes,
    lang: str,
    defines: list[str],
    stubs: str,
    code: str,
    to_char: Any,
    retain: bool,
) -> _Parsed:
    index, kinds = _cindex()
    name = _VIRTUAL + ("input.mm" if lang == "objective-c++" else "input.cpp")
    args = [
        "-x",
        lang,
        "-std=c++17",
        "-nostdinc",
        "-nostdinc++",
        "-ferror-limit=0",
        "-w",
        "-include",
        _PRELUDE_NAME,
        *defines,
    ]
    if lang == "objective-c++":
        args.append("-fblocks")
    tu = index.parse(
        name,
        args=args,
        unsaved_files=[(name, source), (_PRELUDE_NAME, _PRELUDE + stubs)],
        options=kinds["options"] | (_RETAIN_BRANCHES if retain else 0),
    )
    out = _Parsed([], [], [])
    for diag in tu.diagnostics:
        if diag.severity < 3:
            continue
        message = diag.spelling
        category = diag.category_number
        offset = -1
        if diagnostics.located(category, message):
            location = diag.location
            if location.file is not None and location.file.name == name:
                offset = location.offset
        out.diagnostics.append((message, offset))
        out.categories.append(category)
    functions = kinds["functions"]
    classes = kinds["classes"]
    namespace = kinds["namespace"]
    transparent = kinds["transparent"]
    method_kinds = (KIND_METHOD, KIND_CONSTRUCTOR, KIND_DESTRUCTOR)

    def walk(cursor: Any, prefix: str, in_class: bool, top: bool) -> None:
        for child in cursor.get_children():
            if top:
                location = child.location
                if location.file is None or location.file.name != name:
                    continue
                top = False  # the prelude comes first; the rest is the file itself
            kind = child._kind_id
            if kind in functions:
                if not child.is_definition():
                    continue
                extent = child.extent
                end = extent.end.offset
                at = child.location.offset
                fkind = functions[kind]
                spelling = child.spelling
                if _after_scope(code, to_char(at)) or (fkind in method_kinds and not in_class):
                    scope, parent_is_class = _semantic_scope(child, kinds)
                else:
                    scope, parent_is_class = prefix.rstrip(":"), in_class
                if fkind == KIND_FUNCTION and parent_is_class:
                    fkind = KIND_METHOD
                out.functions.append((spelling, scope, fkind, extent.start.offset, at, end))
            elif kind == namespace:
                spelling = child.spelling
                qual = prefix + spelling if spelling else prefix.rstrip(":")
                extent = child.extent
                out.namespaces.append((extent.start.offset, extent.end.offset, qual))
                walk(child, qual + "::" if qual else "", False, False)
            elif kind in classes:
                spelling = child.spelling
                walk(child, prefix + spelling + "::" if spelling else prefix, True, False)
            elif kind in transparent:
                walk(child, prefix, in_class, False)

    walk(tu.cursor, "", False, True)
    return out


def _after_scope(code: str, at: int) -> bool:
    """The name at ``at`` is qualified (``Video::Video``): its scope is not the lexical one."""
    i = at - 1
    while i > 0 and code[i].isspace():
        i -= 1
    return i > 0 and code[i - 1 : i + 1] == "::"


def _semantic_scope(cursor: Any, kinds: dict[str, Any]) -> tuple[str, bool]:
    """The qualified scope of an out-of-line definition (``Video::Video`` → its class)."""
    scope: list[str] = []
    parent = cursor.semantic_parent
    tu = kinds["tu"]
    parent_is_class = parent is not None and parent._kind_id in kinds["classes"]
    while parent is not None and parent._kind_id != tu:
        if parent.spelling:
            scope.append(parent.spelling)
        parent = parent.semantic_parent
    return "::".join(reversed(scope)), parent_is_class


def _namespace_at(namespaces: list[tuple[int, int, str]], offset: int) -> str:
    """The innermost namespace around byte ``offset`` ("" at file level)."""
    best, size = "", -1
    for start, end, qual in namespaces:
        if start <= offset <= end and (size < 0 or end - start < size):
            best, size = qual, end - start
    return best
