"""Which C++ operators a Python file calls, and from which function.

torchvision reaches its C++ operators through ``torch.ops.<library>.<op>(...)``
(``torch.ops.torchvision.roi_align``, ``torch.ops.image.decode_jpeg``). A
stable-ABI operator cannot log in C++, so the linker (``tvusage_lint.link.operators``)
needs these calls to find the Python function that records it.

Module-level aliases are followed (``ops = torch.ops.torchvision`` then
``ops.nms(...)``; ``from torch import ops``); a name computed at run time
(``getattr(torch.ops.torchvision, name)``) is not a call of a known operator
and is left out. The walk runs only on files whose text mentions
``torch.ops`` or imports ``ops`` from torch, a handful per tree. What a call
is (``OpCall``) is one of the fact types, in ``python.facts.types``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from tvusage_lint.python.ast_util import dotted
from tvusage_lint.python.facts.types import ImportFact, OpCall

ROOT = "torch.ops"


def scan(
    tree: ast.Module,
    text: str,
    aliases: Sequence[tuple[str, str]],
    imports: Sequence[ImportFact],
) -> tuple[tuple[OpCall, ...], tuple[tuple[str, str], ...]]:
    """(operator calls, calls of module-level functions by their callers) of one file."""
    if ROOT not in text and "import ops" not in text:
        return (), ()
    heads: dict[str, str] = {}
    for imp in imports:
        if imp.is_from and imp.level == 0 and imp.module == "torch" and imp.top_level:
            for name, bound in imp.names:
                if name == "ops":
                    heads[bound or name] = ROOT
    for name, target in aliases:
        resolved = _resolve(target, heads)
        if resolved == ROOT or resolved.startswith(ROOT + "."):
            heads[name] = resolved
    functions = {
        stmt.name for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    walker = _Walker(heads, functions)
    walker.block(tree.body, "", "")
    if not walker.calls:
        return (), ()
    return tuple(walker.calls), tuple(dict.fromkeys(walker.local))


def _resolve(name: str, heads: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    if head in heads:
        return heads[head] + ("." + rest if rest else "")
    return name


class _Walker:
    def __init__(self, heads: dict[str, str], functions: set[str]) -> None:
        self.heads = heads
        self.functions = functions
        self.calls: list[OpCall] = []
        self.local: list[tuple[str, str]] = []

    def block(self, body: Sequence[ast.AST], owner: str, cls: str) -> None:
        for node in body:
            self.node(node, owner, cls)

    def node(self, node: ast.AST, owner: str, cls: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                self.node(dec, owner, cls)
            if cls:
                qual = f"{cls}.{node.name}"
            elif owner:
                qual = f"{owner}.<locals>.{node.name}"
            else:
                qual = node.name
            self.block(node.body, qual, "")
            return
        if isinstance(node, ast.ClassDef):
            prefix = f"{owner}.<locals>." if owner else ""
            self.block(node.body, owner, f"{cls + '.' if cls else prefix}{node.name}")
            return
        if isinstance(node, ast.Call):
            self.call(node, owner or cls)
        for child in ast.iter_child_nodes(node):
            self.node(child, owner, cls)

    def call(self, node: ast.Call, owner: str) -> None:
        name = dotted(node.func)
        if not name:
            return
        if "." not in name:
            if owner and name in self.functions:
                self.local.append((owner, name))
            return
        full = _resolve(name, self.heads)
        parts = full.split(".")
        if len(parts) in (4, 5) and ".".join(parts[:2]) == ROOT:
            self.calls.append(OpCall(owner, parts[2], parts[3], node.lineno))
