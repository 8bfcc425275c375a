"""The safety net of every Python fix (SPEC §5), in the spirit of black's safe mode.

A fix may change logging and nothing else. So both texts are parsed with
``ast``, the logging is taken out of both (calls of the helper, their
TorchScript guards when they hold nothing but logging, imports of the helper,
an added bare ``import torch``, ``pass`` statements (the call may take the
place of a body's lone ``pass``), and a ``def __init__(self)`` holding only
logging in a class whose only base is ``object``) and what remains must dump identically.
The new text must also parse with libcst, or the next ``--fix`` could not
touch it.
"""

from __future__ import annotations

import ast

from tvusage_lint.python.facts import HELPER, dotted, wrap_guard_kind

_BODIES = ("body", "orelse", "finalbody")


def check(old: str, new: str) -> str:
    """ "" when ``new`` differs from ``old`` in logging only; else a one-line reason."""
    try:
        old_tree = ast.parse(old)
    except (SyntaxError, ValueError) as exc:
        return f"the original does not parse: {exc}".splitlines()[0]
    try:
        new_tree = ast.parse(new)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed text does not parse: {exc}".splitlines()[0]
    try:
        import libcst

        libcst.parse_module(new)
    except Exception as exc:  # libcst raises its own ParserSyntaxError and friends
        return f"the fixed text does not parse with libcst: {exc}".splitlines()[0]
    old_torch = _strip_torch_imports(old_tree)
    new_torch = _strip_torch_imports(new_tree)
    if new_torch < old_torch:
        return "the fix removed an `import torch`"
    if new_torch > old_torch + 1:
        return "the fix added more than one `import torch`"
    if ast.dump(_strip(old_tree)) != ast.dump(_strip(new_tree)):
        return "the fix changed more than logging (safety check failed)"
    return ""


def is_log_call(node: ast.AST) -> bool:
    """``_log_api_usage_once(...)``, ``x._log_api_usage_once(...)``, ``torch._C._log_api_usage_once(...)``."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    return name == HELPER or name.endswith("." + HELPER)


def _is_log_stmt(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and is_log_call(stmt.value)


def _strip(tree: ast.AST) -> ast.AST:
    """``tree`` without logging statements, logging-only guards and helper imports (in place)."""
    for node in ast.walk(tree):
        for name in _BODIES:
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, [s for s in block if not _drop(s)])
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _plain(node):
            node.body = [s for s in node.body if not _empty_init(s)] or node.body
    return tree


def _plain(cls: ast.ClassDef) -> bool:
    """No base but ``object`` and no ``__new__``: ``object.__init__`` is what runs
    without an ``__init__``, so one that (with logging out) does nothing is no change."""
    return (
        not cls.keywords
        and all(dotted(base) == "object" for base in cls.bases)
        and not any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__new__"
            for s in cls.body
        )
    )


def _empty_init(stmt: ast.stmt) -> bool:
    """``def __init__(self) -> None:`` left empty once logging is out."""
    if not isinstance(stmt, ast.FunctionDef) or stmt.name != "__init__" or stmt.body:
        return False
    args = stmt.args
    return (
        not stmt.decorator_list
        and [a.arg for a in args.args] == ["self"]
        and not (args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg)
        and (
            stmt.returns is None
            or (isinstance(stmt.returns, ast.Constant) and stmt.returns.value is None)
        )
    )


def _drop(stmt: ast.stmt) -> bool:
    if _is_log_stmt(stmt) or isinstance(stmt, ast.Pass):  # ``pass`` is a no-op anywhere
        return True
    if isinstance(stmt, ast.If):
        return (
            not stmt.orelse
            and bool(wrap_guard_kind(stmt.test))
            and all(_is_log_stmt(s) for s in stmt.body)
        )
    if isinstance(stmt, ast.ImportFrom):
        kept = [alias for alias in stmt.names if alias.name != HELPER]
        if not kept:
            return True
        stmt.names = kept
    return False


def _strip_torch_imports(tree: ast.Module) -> int:
    """Remove top-level bare ``import torch`` statements; how many there were."""
    kept = []
    count = 0
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Import)
            and len(stmt.names) == 1
            and stmt.names[0].name == "torch"
            and stmt.names[0].asname is None
        ):
            count += 1
        else:
            kept.append(stmt)
    tree.body = kept
    return count
