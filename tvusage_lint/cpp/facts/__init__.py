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
"""

from __future__ import annotations

import atexit
import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from tvusage_lint.cpp import diagnostics, guard
from tvusage_lint.cpp.stable import Unit
from tvusage_lint.cpp.stable import scan as scan_unit
from tvusage_lint.suppressions import Suppressions, scan_cpp

MACRO = "C10_LOG_API_USAGE_ONCE"

KIND_FUNCTION = "function"
KIND_METHOD = "method"
KIND_CONSTRUCTOR = "constructor"
KIND_DESTRUCTOR = "destructor"

REG_OP = "op"  # RegisterOperators().op("image::decode_png", &decode_png)
REG_DEF = "def"  # m.def("read_video_from_file", read_video_from_file)
REG_SCHEMA = "schema"  # m.def(TORCH_SELECTIVE_SCHEMA("torchvision::nms(...) -> Tensor"))
REG_CLASS = "class"  # torch::class_<Video>("torchvision", "Video")


@dataclass(frozen=True)
class LogCall:
    """One ``C10_LOG_API_USAGE_ONCE(...)`` statement inside a function body."""

    start: int  # offset of the macro name
    end: int  # just after the statement (its ``;`` when it has one)
    line: int
    column: int  # 1-based, like every column here
    end_line: int
    end_column: int
    arg_start: int  # the argument between the parentheses, whitespace trimmed
    arg_end: int
    arg_line: int
    arg_column: int
    arg_end_line: int
    arg_end_column: int
    event: str | None  # the string literal's value; None when the argument is not one
    first: bool  # it is the first statement of the body
    removal_start: int  # what to delete when the call moves: its whole lines when alone
    removal_end: int
    arg_text: str = ""  # the argument as written (what ``events`` shows when it is not a literal)


@dataclass(frozen=True)
class Function:
    """A function definition with a body (free function, method, constructor)."""

    name: str  # "nms"; a constructor's name is its class name
    qualname: str  # "vision::ops::nms", "vision::video::Video::Video"
    kind: str
    scope: str  # "vision::ops", "vision::video::Video"
    line: int  # first line of the definition (return type, or ``template``)
    name_line: int
    name_column: int
    body_open: int  # offset of ``{``
    body_close: int  # offset of ``}``
    insert_start: int  # where a new first statement goes (an Edit's start/end)
    insert_end: int
    insert_prefix: str  # text before the statement
    insert_suffix: str  # text after it
    indent: str  # the body's indentation
    inline: bool  # the statement goes on the line of the ``{`` (never wrapped)
    stub: bool  # the body only raises (a feature stub: ``TORCH_CHECK(false, ...)``)
    logs: tuple[LogCall, ...]


@dataclass(frozen=True)
class Registration:
    kind: str  # REG_*
    op: str  # the operator name from the string ("image::decode_png"), the class for REG_CLASS
    target: str  # the function or class as written ("decode_png", "Video::initFromFile")
    scope: str  # the namespace around the registration ("vision::image")
    line: int


@dataclass(frozen=True)
class CppFacts:
    functions: tuple[Function, ...] = ()
    registrations: tuple[Registration, ...] = ()
    suppressions: Suppressions = ()
    newline: str = "\n"
    parses: int = 0  # how many times libclang parsed it (configurations, stub passes)
    error: str = ""  # one line; "" when the file parsed
    error_line: int = 0
    unit: Unit = Unit()  # stable ABI or legacy, and the stable registration forms (cpp/stable.py)


def failed(error: str, line: int = 1) -> CppFacts:
    return CppFacts(error=error, error_line=line)


# --- text views ---------------------------------------------------------------------------

_NEXT = re.compile(r"""//|/\*|["']""")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_CHAR = re.compile(r"'(?:[^'\\\n]|\\.)*'")
_RAW = re.compile(r'R"([^()\\\s"]{0,16})\((.*?)\)\1"', re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")
_DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


@dataclass(frozen=True)
class _Views:
    code: str  # comments, string contents and preprocessor lines blanked
    nocomment: str  # comments blanked, strings kept
    strings: tuple[tuple[int, int, str], ...]  # (start, end, value) of each string literal
    unterminated: int  # offset of an unterminated block comment, or -1


def _blank(s: str) -> str:
    return _NOT_NEWLINE.sub(" ", s)


def _views(text: str) -> _Views:
    """One pass over comments and literals (the only places where brackets lie)."""
    code: list[str] = []
    nocomment: list[str] = []
    strings: list[tuple[int, int, str]] = []
    pos = 0
    search = _NEXT.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        at = m.start()
        token = m.group(0)
        if token == "//" or token == "/*":
            found = (_LINE_COMMENT if token == "//" else _BLOCK_COMMENT).match(text, at)
            if found is None:  # an unterminated block comment
                return _Views("", "", (), at)
            end = found.end()
            blank = _blank(text[at:end])
            code.append(text[pos:at] + blank)
            nocomment.append(text[pos:at] + blank)
            pos = end
            continue
        if token == "'":
            if at > 0 and text[at - 1].isalnum() and not _prefix(text, at):
                found = None  # a digit separator: 1'000'000
            else:
                found = _CHAR.match(text, at)
            if found is None:
                code.append(text[pos : at + 1])
                nocomment.append(text[pos : at + 1])
                pos = at + 1
                continue
            end = found.end()
            body = (at + 1, end - 1)
        else:
            raw = _RAW.match(text, at - 1) if at > 0 and text[at - 1] == "R" else None
            if raw is not None and _prefix(text, at - 1, raw=True):
                end = raw.end()
                body = (raw.start(2), raw.end(2))
            else:
                found = _STRING.match(text, at)
                if found is None:  # unterminated: libclang reports it
                    code.append(text[pos : at + 1])
                    nocomment.append(text[pos : at + 1])
                    pos = at + 1
                    continue
                end = found.end()
                body = (at + 1, end - 1)
            strings.append((at, end, text[body[0] : body[1]]))
        code.append(text[pos : body[0]] + _blank(text[body[0] : body[1]]) + text[body[1] : end])
        nocomment.append(text[pos:end])
        pos = end
    code.append(text[pos:])
    nocomment.append(text[pos:])
    code_text = _DIRECTIVE.sub(lambda m: _blank(m.group(0)), "".join(code))
    return _Views(code_text, "".join(nocomment), tuple(strings), -1)


def _prefix(text: str, at: int, raw: bool = False) -> bool:
    """``text[at]`` starts a literal: it follows a non-identifier or an encoding prefix."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:at] if not raw else text[start : at + 1]
    allowed = ("R", "u8R", "uR", "UR", "LR") if raw else ("", "u8", "u", "U", "L")
    return word in allowed


class _Lines:
    """Offsets ↔ (line, column), 1-based."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def pos(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def line_start(self, offset: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset of the newline ending the line (or the end of the text)."""
        index = self.text.find("\n", offset)
        return len(self.text) if index < 0 else index

    def indent(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start : self.line_end(offset)]
        return line[: len(line) - len(line.lstrip(" \t"))]


# --- libclang -----------------------------------------------------------------------------

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
_INCLUDE = re.compile(rb"^[ \t]*#[ \t]*(?:include|include_next|import)\b[^\n]*", re.M)
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


# --- preprocessor configurations -------------------------------------------------------------

_CONDITION = re.compile(
    r"^[ \t]*#[ \t]*(?P<kw>if|elif|ifdef|ifndef|elifdef|elifndef|define)\b"
    r"(?P<rest>(?:[^\n]*\\\n)*[^\n]*)",
    re.M,
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_FEATURES = {"__cplusplus", "true", "false", "and", "or", "not"}
_DEFINED = re.compile(r"\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))")
_MACRO_ARGS = re.compile(r"[A-Za-z_]\w*\s*\([^()]*\)")


def feature_macros(nocomment: str) -> list[str]:
    """Macros the file's ``#if``s test and the file does not define itself (sorted)."""
    tested: set[str] = set()
    defined: set[str] = set()
    for m in _CONDITION.finditer(nocomment):
        kw, rest = m.group("kw"), m.group("rest")
        if kw == "define":
            name = _IDENT.match(rest.strip())
            if name:
                defined.add(name.group(0))
            continue
        rest = _DEFINED.sub(lambda d: f" {d.group(1) or d.group(2)} ", rest)
        while True:  # drop the arguments of function-like macros: __has_include(<png.h>)
            shorter = _MACRO_ARGS.sub(" ", rest)
            if shorter == rest:
                break
            rest = shorter
        for ident in _IDENT.finditer(rest):
            word = ident.group(0)
            if word not in _NOT_FEATURES:
                tested.add(word)
    return sorted(tested - defined)


# --- stub declarations for definitions libclang dropped ------------------------------------

_UNDECLARED = re.compile(r"^use of undeclared identifier '([A-Za-z_]\w*)'$")


_QUALIFIED = re.compile(r"(?<![\w:])([A-Za-z_]\w*)\s*::\s*([A-Za-z_]\w*)\s*(<|::|\()?")


def _qualified_uses(code: str) -> dict[str, dict[str, str]]:
    """``A::B`` uses: for each ``A``, what each ``B`` looks like (template, type, scope, call)."""
    uses: dict[str, dict[str, str]] = {}
    for m in _QUALIFIED.finditer(code):
        scope, member, after = m.groups()
        kinds = uses.setdefault(scope, {})
        if after == "(":
            kinds.setdefault(member, "")
        elif after == "::":
            kinds[member] = "namespace"
            # the chain goes on: ``at::cuda::getCurrentCUDAStream``
            rest = _QUALIFIED.match(code, m.start(2))
            if rest is not None:
                sub = uses.setdefault(member, {})
                if rest.group(3) == "<":
                    sub.setdefault(rest.group(2), "template")
                elif rest.group(3) is None:
                    sub.setdefault(rest.group(2), "struct")
        elif after == "<":
            if kinds.get(member) != "namespace":
                kinds[member] = "template"
        elif not kinds.get(member):
            kinds[member] = "struct"
    return uses


def _member_uses(uses: dict[str, dict[str, str]], scope: str, depth: int) -> str:
    """Declarations for the members of ``scope`` the file uses."""
    parts = []
    for member, kind in sorted(uses.get(scope, {}).items()):
        if kind == "template":
            parts.append(f"template <class...> struct {member} {{}};")
        elif kind == "struct":
            parts.append(f"struct {member} {{}};")
        elif kind == "namespace" and depth < 3:
            parts.append(f"namespace {member} {{ {_member_uses(uses, member, depth + 1)} }}")
    return " ".join(parts)


def _stub_declarations(
    parsed: _Parsed, code: str, to_char: Any, namespaces: list[tuple[int, int, str]]
) -> list[str]:
    """Declarations that let a second parse keep what the first one dropped.

    Only names libclang reported as undeclared *outside* every definition it
    kept are declared: those errors are where a definition went missing.
    """
    kept = [(r[3], r[5]) for r in parsed.functions]
    uses: dict[str, dict[str, str]] | None = None
    out: list[str] = []
    seen: set[str] = set()
    for message, offset in parsed.diagnostics:
        m = _UNDECLARED.match(message)
        if m is None or offset < 0 or any(a <= offset <= b for a, b in kept):
            continue
        name = m.group(1)
        at = to_char(offset)
        if code[at : at + len(name)] != name or not _opens_body(code, at):
            continue
        rest = code[at + len(name) :].lstrip()
        if rest.startswith("::"):
            chain = re.match(rf"{name}(?:\s*::\s*~?[A-Za-z_]\w*)+\s*\(", code[at:])
            if chain is not None and chain.group(0).count("::") == 1:
                scope = _namespace_at(namespaces, offset)
                decl = f"struct {name} {{}};"
                for part in reversed(scope.split("::") if scope else []):
                    decl = f"namespace {part} {{ {decl} }}"
            else:
                if uses is None:
                    uses = _qualified_uses(code)
                decl = f"namespace {name} {{ {_member_uses(uses, name, 0)} }}"
        elif rest.startswith("<"):
            decl = f"template <class...> struct {name} {{}};"
        else:
            decl = f"struct {name} {{}};"
        if decl not in seen:
            seen.add(decl)
            out.append(decl)
    return out


_BODY_INTRO = re.compile(r"(?:\)|\bconst|\bnoexcept|\boverride|\bfinal)\s*$")


def _opens_body(code: str, at: int) -> bool:
    """The declaration around ``at`` goes on to a function body, not to a ``;``."""
    i = at
    limit = min(len(code), at + 4000)
    while i < limit:
        ch = code[i]
        if ch in "([":
            close = _match_close(code, i, limit)
            if close < 0:
                return False
            i = close + 1
            continue
        if ch == ";" or ch == "}":
            return False
        if ch == "{":
            head = code[at:i]
            return bool(_BODY_INTRO.search(head)) or bool(re.search(r"\)\s*:", head))
        i += 1
    return False


_BRANCH = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|endif)\b", re.M)


def _namespace_at(namespaces: list[tuple[int, int, str]], offset: int) -> str:
    best, size = "", -1
    for start, end, qual in namespaces:
        if start <= offset <= end and (size < 0 or end - start < size):
            best, size = qual, end - start
    return best


# --- body analysis ----------------------------------------------------------------------------

_MACRO_CALL = re.compile(rf"\b{MACRO}\b")
_RAISING_MACRO = re.compile(r"[A-Z][A-Z0-9_]*(?:_ERROR|THROW[A-Z0-9_]*)\b")


def _match_close(code: str, open_at: int, limit: int) -> int:
    """Offset of the bracket closing ``code[open_at]`` (or -1)."""
    depth = 0
    pairs = {"(": ")", "[": "]", "{": "}"}
    closers = set(pairs.values())
    for i in range(open_at, limit):
        ch = code[i]
        if ch in pairs:
            depth += 1
        elif ch in closers:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _statement_end(code: str, start: int, limit: int) -> int:
    """Offset just after the ``;`` ending the statement at ``start`` (depth 0), or -1."""
    i = start
    while i < limit:
        ch = code[i]
        if ch in "([{":
            close = _match_close(code, i, limit)
            if close < 0:
                return -1
            i = close + 1
            continue
        if ch == ";":
            return i + 1
        i += 1
    return -1


def _skip_space(code: str, i: int, limit: int) -> int:
    while i < limit and code[i].isspace():
        i += 1
    return i


def _is_stub(code: str, first: int, close: int) -> bool:
    """The body only raises: ``throw``, ``TORCH_CHECK(false, ...)``, ``AT_ERROR(...)``.

    Statements after the raise may only be ``return``s (to silence warnings).
    """
    i = _skip_space(code, first, close)
    raised = False
    while i < close:
        rest = code[i:close]
        if rest.startswith("throw") and not rest[5:6].isidentifier():
            end = _statement_end(code, i, close)
            if end < 0:
                return False
            raised, i = True, end
        elif raised and rest.startswith("return") and not rest[6:7].isidentifier():
            end = _statement_end(code, i, close)
            if end < 0:
                return False
            i = end
        else:
            m = re.match(r"(?:::)?[A-Za-z_][\w:]*\s*\(", rest)
            if m is None:
                return False
            paren = i + m.end() - 1
            end = _match_close(code, paren, close)
            if end < 0:
                return False
            args = code[paren + 1 : end].strip()
            name = m.group(0)[:-1].strip()
            first_arg = re.split(r"[,)]", args + ")", maxsplit=1)[0].strip()
            if first_arg not in ("false", "0") and not _RAISING_MACRO.fullmatch(name):
                return False
            raised = True
            i = _skip_space(code, end + 1, close)
            if i < close and code[i] == ";":
                i += 1
        i = _skip_space(code, i, close)
    return raised


def _log_calls(
    text: str, views: _Views, lines: _Lines, open_at: int, close: int, first: int
) -> tuple[LogCall, ...]:
    code = views.code
    calls: list[LogCall] = []
    for m in _MACRO_CALL.finditer(code, open_at + 1, close):
        paren = _skip_space(code, m.end(), close)
        if paren >= close or code[paren] != "(":
            continue
        end_paren = _match_close(code, paren, close)
        if end_paren < 0:
            continue
        end = end_paren + 1
        after = _skip_space(code, end, close)
        if after < close and code[after] == ";":
            end = after + 1
        arg_start = _skip_space(code, paren + 1, end_paren)
        arg_end = end_paren
        while arg_end > arg_start and code[arg_end - 1].isspace():
            arg_end -= 1
        event = _string_value(views, code, arg_start, arg_end)
        line, column = lines.pos(m.start())
        end_line, end_column = lines.pos(end)
        arg_line, arg_column = lines.pos(arg_start)
        arg_end_line, arg_end_column = lines.pos(arg_end)
        line_start = lines.line_start(m.start())
        line_end = lines.line_end(end)
        alone = not code[line_start : m.start()].strip() and not text[end:line_end].strip()
        if alone:
            removal = (line_start, min(line_end + 1, len(text)))
        else:
            tail = end
            while tail < line_end and text[tail] in " \t":
                tail += 1
            removal = (m.start(), tail)
        calls.append(
            LogCall(
                start=m.start(),
                end=end,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                arg_start=arg_start,
                arg_end=arg_end,
                arg_line=arg_line,
                arg_column=arg_column,
                arg_end_line=arg_end_line,
                arg_end_column=arg_end_column,
                event=event,
                first=m.start() == first,
                removal_start=removal[0],
                removal_end=removal[1],
                arg_text=text[arg_start:arg_end],
            )
        )
    return tuple(calls)


def _string_value(views: _Views, code: str, start: int, end: int) -> str | None:
    """The value of the argument when it is only (adjacent) string literals."""
    if start >= end:
        return None
    starts = [s[0] for s in views.strings]
    i = bisect.bisect_left(starts, start)
    parts: list[str] = []
    pos = start
    while i < len(views.strings) and views.strings[i][0] < end:
        s_start, s_end, value = views.strings[i]
        if code[pos:s_start].strip():
            return None
        parts.append(value)
        pos = s_end
        i += 1
    if not parts or code[pos:end].strip():
        return None
    return "".join(parts)


def _insertion(
    text: str, code: str, lines: _Lines, def_start: int, open_at: int, close: int, first: int
) -> tuple[int, int, str, str, str, bool]:
    """Where and how a new first statement goes: (start, end, prefix, suffix, indent, inline)."""
    newline = "\r\n" if "\r\n" in text[: lines.line_end(def_start) + 1] else "\n"
    def_indent = lines.indent(def_start)
    open_line_end = lines.line_end(open_at)
    if first < close and not code[lines.line_start(first) : first].strip():
        indent = lines.indent(first)
    else:
        indent = def_indent + "  "
    if first >= close:  # empty body
        if open_line_end < close:
            start = open_line_end + 1
            return start, start, indent, newline, indent, False
        return open_at + 1, close, newline + indent, newline + def_indent, indent, False
    if not code[open_at + 1 : open_line_end].strip() and open_line_end < close:
        start = open_line_end + 1
        return start, start, indent, newline, indent, False
    return open_at + 1, open_at + 1, " ", "", indent, True


# --- registrations ----------------------------------------------------------------------------

_STR = r'(?:\b(?:u8|[uUL]))?"(?:[^"\\\n]|\\.)*"'
_STRS = rf"(?:{_STR}\s*)+"
_QNAME = r"(?:::\s*)?[A-Za-z_]\w*(?:\s*::\s*~?[A-Za-z_]\w*)*"
_WRAP = r"[A-Z_][A-Z0-9_]*\s*\(\s*"  # TORCH_SELECTIVE_SCHEMA( / TORCH_FN(
_REG_FN = re.compile(
    rf"\.\s*(?P<method>op|def)\s*\(\s*(?P<wrap>{_WRAP})?(?P<names>{_STRS})(?(wrap)\)\s*)"
    rf",\s*(?P<fnwrap>{_WRAP})?&?\s*(?P<fn>{_QNAME})\s*(?(fnwrap)\)\s*)[,)]"
)
_REG_SCHEMA = re.compile(rf"\.\s*def\s*\(\s*(?P<wrap>{_WRAP})?(?P<names>{_STRS})(?(wrap)\)\s*)\)")
_REG_CLASS = re.compile(rf"\bclass_\s*<\s*(?P<cls>{_QNAME})\s*>\s*\(")
_STR_VALUE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _strings_value(raw: str) -> str:
    return "".join(_STR_VALUE.findall(raw))


def _registrations(
    views: _Views, lines: _Lines, namespaces: list[tuple[int, int, str]], to_byte: Any
) -> tuple[Registration, ...]:
    text = views.nocomment
    code = views.code
    chains: list[tuple[int, int]] = []
    out: list[tuple[int, Registration]] = []
    for m in _REG_CLASS.finditer(text):
        end = _statement_end(code, m.end() - 1, len(code))
        chains.append((m.start(), end if end > 0 else len(code)))
        cls = re.sub(r"\s+", "", m.group("cls")).lstrip(":")
        scope = _namespace_at(namespaces, to_byte(m.start()))
        out.append((m.start(), Registration(REG_CLASS, cls, cls, scope, lines.line(m.start()))))

    def in_chain(offset: int) -> bool:
        return any(a <= offset < b for a, b in chains)

    for m in _REG_FN.finditer(text):
        if m.group("method") == "def" and in_chain(m.start()):
            continue  # a method of a torch::class_ binding, not an operator
        op = op_name(_strings_value(m.group("names")))
        target = re.sub(r"\s+", "", m.group("fn")).lstrip(":")
        scope = _namespace_at(namespaces, to_byte(m.start()))
        kind = REG_OP if m.group("method") == "op" else REG_DEF
        where = m.start()
        out.append((where, Registration(kind, op, target, scope, lines.line(where))))
    for m in _REG_SCHEMA.finditer(text):
        if in_chain(m.start()):
            continue
        op = op_name(_strings_value(m.group("names")))
        scope = _namespace_at(namespaces, to_byte(m.start()))
        where = m.start()
        reg = Registration(REG_SCHEMA, op, op_base(op), scope, lines.line(where))
        out.append((where, reg))
    out.sort(key=lambda item: item[0])
    return tuple(reg for _, reg in out)


def op_name(schema: str) -> str:
    """``torchvision::nms(Tensor dets, ...) -> Tensor`` → ``torchvision::nms``."""
    return schema.split("(", 1)[0].strip()


def op_base(op: str) -> str:
    """``torchvision::nms.overload`` → ``nms``."""
    return op_name(op).rsplit("::", 1)[-1].split(".", 1)[0].strip()


# --- the entry point ------------------------------------------------------------------------


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
    source = _INCLUDE.sub(lambda m: b" " * len(m.group(0)), source)
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


def _function_fact(
    record: tuple[Any, ...],
    text: str,
    views: _Views,
    lines: _Lines,
    to_char: Any,
    braces: dict[int, int],
) -> Function | None:
    name, scope, kind, start, name_at, end = record
    start, name_at, end = to_char(start), to_char(name_at), to_char(end)
    code = views.code
    close = end - 1
    if close < 0 or code[close] != "}":
        return None  # ``= default``, a function-try-block: no plain body to look at
    open_at = braces.get(close, -1)
    if open_at < start:
        return None
    first = _skip_space(code, open_at + 1, close)
    insert = _insertion(text, code, lines, start, open_at, close, first)
    name_line, name_column = lines.pos(name_at)
    return Function(
        name=name,
        qualname=f"{scope}::{name}" if scope else name,
        kind=kind,
        scope=scope,
        line=lines.line(start),
        name_line=name_line,
        name_column=name_column,
        body_open=open_at,
        body_close=close,
        insert_start=insert[0],
        insert_end=insert[1],
        insert_prefix=insert[2],
        insert_suffix=insert[3],
        indent=insert[4],
        inline=insert[5],
        stub=_is_stub(code, first, close),
        logs=_log_calls(text, views, lines, open_at, close, first),
    )


def _brace_pairs(code: str) -> dict[int, int]:
    """``}`` offset → its ``{`` offset, for the whole file in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(code):
        if m.group(0) == "{":
            stack.append(m.start())
        elif stack:
            pairs[m.start()] = stack.pop()
    return pairs


_BRACE = re.compile(r"[{}]")


def _offset_maps(text: str, source: bytes) -> tuple[Any, Any]:
    """Byte offset → character offset and back (identity for ASCII files)."""
    if len(source) == len(text):
        return (lambda offset: offset), (lambda offset: offset)
    starts: list[int] = []
    position = 0
    for ch in text:
        starts.append(position)
        position += len(ch.encode("utf-8"))

    def to_char(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1 if offset < position else len(text)

    def to_byte(offset: int) -> int:
        return starts[offset] if offset < len(starts) else position

    return to_char, to_byte


def errors(text: str, filename: str) -> tuple[str, list[str]]:
    """(error, libclang's error messages) of ``text``, to tell whether a fix broke it."""
    messages: list[str] = []
    try:
        facts = _extract(text.encode("utf-8"), filename, messages)
    except Exception as exc:  # noqa: BLE001
        return f"libclang could not parse the file: {type(exc).__name__}: {exc}", messages
    return facts.error, messages
