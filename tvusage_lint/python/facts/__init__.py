"""Python source → plain facts, with the standard library ``ast`` only.

Facts depend on the file's text alone (never on its path or the rest of the
project), so they can be cached by content hash and computed in parallel.
Everything the rules need later is recorded here; the rules never see a tree.

This package holds the entry point, ``extract``; the fact types are in ``types``
(re-exported here, as every importer names them from ``python.facts``), and the
extraction is split by what it reads: ``bindings`` (the module's own names),
``definitions`` (functions and classes), ``guards`` (jit checks), ``log_calls``
(one logging call), ``helper`` (the helper's definition) and ``walk`` (every
logging call with its scope).

May import: ``python.ast_util``, ``python.layers``, ``python.op_calls`` and
``core.suppressions`` (the comments a file carries); never the settings, the index,
the policy or the rules (an import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted
from tvusage_lint.python.facts.bindings import Bindings
from tvusage_lint.python.facts.definitions import base_name
from tvusage_lint.python.facts.guards import early_return_kind, wrap_guard_kind
from tvusage_lint.python.facts.helper import helper_fact
from tvusage_lint.python.facts.log_calls import string_parts
from tvusage_lint.python.facts.types import (
    COND_ISINSTANCE,
    COND_JIT,
    COND_STARTSWITH,
    COND_UNKNOWN,
    FORM_OBJECT,
    FORM_OTHER,
    FORM_STRING,
    FORM_TORCH_C,
    FORM_TWO_ARGS,
    GUARD_BOTH,
    GUARD_EARLY,
    GUARD_EARLY_BOTH,
    GUARD_NONE,
    GUARD_SCRIPTING,
    HELPER,
    PART_NAME,
    PART_TEXT,
    PART_UNKNOWN,
    SCOPE_FUNCTION,
    SCOPE_METHOD,
    SCOPE_MODULE,
    SCOPE_NESTED,
    STEP_ASSIGN,
    STEP_EMIT,
    STEP_RETURN,
    TOO_DEEP,
    ClassFact,
    Cond,
    Decorator,
    FunctionFact,
    HelperFact,
    HelperStep,
    ImportFact,
    LogCall,
    OpCall,
    Part,
    PyFacts,
    failed,
)
from tvusage_lint.python.facts.walk import LogCallWalk

__all__ = [
    "COND_ISINSTANCE",
    "COND_JIT",
    "COND_STARTSWITH",
    "COND_UNKNOWN",
    "FORM_OBJECT",
    "FORM_OTHER",
    "FORM_STRING",
    "FORM_TORCH_C",
    "FORM_TWO_ARGS",
    "GUARD_BOTH",
    "GUARD_EARLY",
    "GUARD_EARLY_BOTH",
    "GUARD_NONE",
    "GUARD_SCRIPTING",
    "HELPER",
    "PART_NAME",
    "PART_TEXT",
    "PART_UNKNOWN",
    "SCOPE_FUNCTION",
    "SCOPE_METHOD",
    "SCOPE_MODULE",
    "SCOPE_NESTED",
    "STEP_ASSIGN",
    "STEP_EMIT",
    "STEP_RETURN",
    "TOO_DEEP",
    "ClassFact",
    "Cond",
    "Decorator",
    "FunctionFact",
    "HelperFact",
    "HelperStep",
    "ImportFact",
    "LogCall",
    "OpCall",
    "Part",
    "PyFacts",
    "base_name",
    "decode",
    "dotted",
    "early_return_kind",
    "extract",
    "failed",
    "helper_fact",
    "string_parts",
    "wrap_guard_kind",
]


def decode(data: bytes) -> str:
    """Source bytes → text, honouring a PEP 263 coding line; raises on failure."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def extract(data: bytes, *, layers: bool = True) -> PyFacts:
    """Parse ``data`` and collect its facts; never raises for bad input.

    ``layers=False`` skips the scan for hand-rolled layers (TVU401-TVU405, off by
    default); the engine asks for it only when one of those rules is selected."""
    if b"\x00" in data:
        return failed("binary file (contains NUL bytes)")
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return failed(f"cannot decode: {exc}".splitlines()[0])
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        return failed(f"syntax error: {msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0))
    except (RecursionError, MemoryError):
        # CPython's words differ by version (3.10: a MemoryError without a message;
        # 3.11: "maximum recursion depth exceeded during ast construction"; 3.13:
        # "Parser stack overflowed - ..."): one message of ours for all of them
        return failed(TOO_DEEP)
    except ValueError as exc:
        return failed(f"cannot parse: {exc}".splitlines()[0])
    helper_lines = []
    pos, line, counted = text.find(HELPER), 1, 0
    while pos != -1:
        line += text.count("\n", counted, pos)
        counted = pos
        helper_lines.append(line)
        pos = text.find(HELPER, pos + 1)
    bindings = Bindings()
    walk = LogCallWalk(helper_lines, bindings)
    try:
        # module level first: statements may sit inside if/try/with blocks
        bindings.module_block(tree.body)
        walk.calls_in(tree.body, scope=SCOPE_MODULE, owner="", owner_class="", top=False)
    except RecursionError:
        return failed(TOO_DEEP)
    from tvusage_lint.core.suppressions import scan_python
    from tvusage_lint.python.layers import scan as scan_layers

    # op_calls names the fact types (python.facts.types): imported here, once the package is
    from tvusage_lint.python.op_calls import scan as scan_op_calls

    try:
        hits = scan_layers(tree, text) if layers else ()
        op_calls, local_calls = scan_op_calls(tree, text, bindings.aliases, bindings.imports)
    except RecursionError:
        return failed(TOO_DEEP)
    return PyFacts(
        error="",
        error_line=0,
        error_col=0,
        imports=tuple(bindings.imports),
        all_names=tuple(bindings.all_names)
        if bindings.all_names is not None and bindings.all_static
        else None,
        has_all=bindings.has_all,
        classes=tuple(bindings.classes),
        functions=tuple(bindings.functions),
        aliases=tuple(bindings.aliases),
        registrations=tuple(bindings.registrations),
        log_calls=tuple(walk.log_calls),
        helper_bound=HELPER in bindings.bound,
        torch_bound="torch" in bindings.bound,
        suppressions=scan_python(text),
        layers=hits,
        op_calls=op_calls,
        local_calls=local_calls,
        helper=bindings.helper,
    )
