"""Give a class without a constructor one that logs (SPEC §5).

torchvision's own fix for ``ToTensor`` and ``PILToTensor`` (0.12): a class
with no ``__init__``, no base but ``object`` and no ``__new__`` gets
``def __init__(self) -> None:`` holding the call. With ``object`` as the only
base the new constructor does exactly what the inherited one did, so the
class behaves as before (``fix.verify`` checks that the added ``__init__``
holds nothing but logging). It goes after the docstring and class attributes,
before the first method, with the blank lines the methods already have.
"""

from __future__ import annotations

import libcst as cst

from tvusage_lint.python.facts import HELPER

_BLANK = cst.EmptyLine(indent=False)


def new_init() -> cst.FunctionDef:
    call = cst.Call(func=cst.Name(HELPER), args=[cst.Arg(cst.Name("self"))])
    return cst.FunctionDef(
        name=cst.Name("__init__"),
        params=cst.Parameters(params=[cst.Param(cst.Name("self"))]),
        returns=cst.Annotation(cst.Name("None")),
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Expr(call)])]),
    )


def has_init(node: cst.ClassDef) -> bool:
    return any(
        isinstance(stmt, cst.FunctionDef) and stmt.name.value in ("__init__", "__new__")
        for stmt in node.body.body
    )


def with_init(node: cst.ClassDef) -> cst.ClassDef:
    """``node`` with the logging ``__init__`` before its first method."""
    block = node.body
    assert isinstance(block, cst.IndentedBlock)
    body = list(block.body)
    at = next((i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef)), len(body))
    init = new_init()
    if at < len(body):
        first = body[at]
        lines = list(first.leading_lines)
        head = 0
        while head < len(lines) and lines[head].comment is None:
            head += 1
        # the blank lines above the first method go above the constructor; the
        # method (with its comments) follows after a gap like it
        init = init.with_changes(leading_lines=lines[:head])
        if not head:
            body[at] = first.with_changes(leading_lines=[_BLANK, *lines])
    elif body:
        init = init.with_changes(leading_lines=[_BLANK])
    body.insert(at, init)
    return node.with_changes(body=block.with_changes(body=body))
