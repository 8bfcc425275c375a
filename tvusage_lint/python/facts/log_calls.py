"""One logging call read from the tree: how the helper is named, the call's form, and its
arguments as string parts (what ``events`` evaluates without a tree)."""

from __future__ import annotations

import ast

from tvusage_lint.python.ast_util import dotted
from tvusage_lint.python.facts.types import (
    FORM_OBJECT,
    FORM_OTHER,
    FORM_STRING,
    FORM_TORCH_C,
    FORM_TWO_ARGS,
    HELPER,
    PART_NAME,
    PART_TEXT,
    PART_UNKNOWN,
    Part,
)


def helper_call(node: ast.AST) -> tuple[str, str] | None:
    """(callee, form-hint) when ``node`` calls the logging helper."""
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func)
    if not name:
        return None
    if name == HELPER:
        return name, ""
    if name.endswith("." + HELPER):
        if name.endswith("_C." + HELPER):
            return name, FORM_TORCH_C
        return name, ""
    return None


def call_form(call: ast.Call, hint: str) -> tuple[str, str]:
    if hint == FORM_TORCH_C:
        return FORM_TORCH_C, _literal_text(call.args)
    if call.keywords or not call.args:
        return FORM_OTHER, ""
    if len(call.args) >= 2:
        return FORM_TWO_ARGS, _literal_text(call.args)
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return FORM_STRING, arg.value
    if isinstance(arg, ast.JoinedStr):
        return FORM_STRING, _literal_text(call.args)
    name = dotted(arg)
    if name:
        return FORM_OBJECT, name
    return FORM_OTHER, ""


def reference(node: ast.expr) -> str:
    """``self.__class__.__name__`` for names and attribute chains, with ``type(x)`` read as
    ``x.__class__``; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = reference(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = reference(node.args[0])
        return f"{inner}.__class__" if inner else ""
    return ""


def _concatenation(node: ast.expr) -> bool:
    """``a + b`` where one side is visibly a string (so ``+`` joins, never adds)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return False
    return any(
        (isinstance(side, ast.Constant) and isinstance(side.value, str))
        or isinstance(side, ast.JoinedStr)
        or _concatenation(side)
        for side in (node.left, node.right)
    )


def string_parts(node: ast.expr) -> tuple[Part, ...]:
    """A string expression as parts: literals, f-strings, ``+`` and names are kept apart;
    any other expression is one unknown part holding its source text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ((PART_TEXT, node.value),)
    if isinstance(node, ast.JoinedStr):
        parts: list[Part] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append((PART_TEXT, value.value))
            elif (
                isinstance(value, ast.FormattedValue)
                and value.format_spec is None
                and value.conversion in (-1, ord("s"))
            ):
                parts.extend(string_parts(value.value))
            else:
                return ((PART_UNKNOWN, ast.unparse(node)),)
        return tuple(parts)
    if _concatenation(node):
        assert isinstance(node, ast.BinOp)
        return string_parts(node.left) + string_parts(node.right)
    name = reference(node)
    if name:
        return ((PART_NAME, name),)
    return ((PART_UNKNOWN, ast.unparse(node)),)


def arguments(call: ast.Call) -> tuple[tuple[Part, ...], ...]:
    """Each argument as string parts; with keywords or ``*args`` the binding to the helper's
    parameters is not followed: every argument is then unknown (its source text)."""
    if not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args):
        return tuple(string_parts(a) for a in call.args)
    texts = [ast.unparse(a) for a in call.args]
    texts += [f"{k.arg}={ast.unparse(k.value)}" if k.arg else ast.unparse(k) for k in call.keywords]
    return tuple(((PART_UNKNOWN, text),) for text in texts)


def _literal_text(args: list[ast.expr]) -> str:
    parts = []
    for arg in args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts.append(arg.value)
        else:
            parts.append(ast.unparse(arg))
    return ".".join(parts)
