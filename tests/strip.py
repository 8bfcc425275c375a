"""Take every usage-logging call out of Python source (for strip-and-restore tests).

Removes each logging statement (with the TorchScript guard ``if`` wrapping
it) and the helper's import, then puts ``pass`` into any block left empty.
Also used by benchmarks/strip_restore.py on a whole torchvision tree.
"""

from __future__ import annotations

import ast
import re

from tvusage_lint.fix.verify import is_log_call
from tvusage_lint.python.facts import FORM_OBJECT, HELPER, extract
from tvusage_lint.python.index import Index


def strip_logging(text: str) -> str:
    facts = extract(text.encode())
    if facts.error:
        return text
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()  # 0-based line numbers
    tree = ast.parse(text)
    shared_guards = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and not all(isinstance(s, ast.Expr) and is_log_call(s.value) for s in node.body)
    }
    for call in facts.log_calls:
        # a guard that also holds other statements (0.29's ``_warn_deprecated()``) stays
        span = call.stmt_span if call.stmt_span.line not in shared_guards else call.span
        drop.update(range(span.line - 1, span.end_line))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == HELPER for a in node.names):
            first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
            drop.update(range(first, last + 1))
            others = [a for a in node.names if a.name != HELPER]
            if others:
                names = ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in others)
                indent = re.match(r"\s*", lines[first]).group(0)
                source = "." * node.level + (node.module or "")
                lines[last] = f"{indent}from {source} import {names}\n"
                drop.discard(last)
    kept = [line for i, line in enumerate(lines) if i not in drop]
    out = "".join(kept)
    for _ in range(20):
        try:
            ast.parse(out)
            return out
        except IndentationError as exc:  # a block left empty: "... on line N"
            found = re.search(r"on line (\d+)", exc.msg or "")
            if not found:
                raise
            kept = out.splitlines(keepends=True)
            first = head = int(found.group(1)) - 1
            while not kept[head].rstrip().endswith(":"):
                head += 1  # a header over several lines
            indent = re.match(r"\s*", kept[first]).group(0) + "    "
            kept.insert(head + 1, f"{indent}pass\n")
            out = "".join(kept)
    return out


def logged_events(index: Index) -> set[str]:
    """The events a tree logs: ``module.Class`` for ``self`` in a method, ``module.fn`` for names."""
    out: set[str] = set()
    for module in index.modules.values():
        for call in module.facts.log_calls:
            if call.form != FORM_OBJECT:
                out.add(f"{call.form}:{call.arg}")
            elif call.arg == "self" and call.owner_class:
                out.add(f"{module.name}.{call.owner_class}")
            else:
                out.add(f"{module.name}.{call.arg}")
    return out
