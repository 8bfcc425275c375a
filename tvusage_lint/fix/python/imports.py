"""The helper's import: merged into an existing ``from <module> import ...``, else a new
line placed among the leading imports as isort and usort would leave it (its section,
the block of imports like it, sorted in when that block is sorted)."""

from __future__ import annotations

import sys

import libcst as cst

from tvusage_lint.fix.python.nodes import _BLANK, _body_start, _dotted, _expr, _is_blank
from tvusage_lint.python.facts import HELPER


def _parse_import(source: str) -> tuple[int, str]:
    """``"..utils"`` → (2, "utils"); ``"torchvision.utils"`` → (0, "torchvision.utils")."""
    stripped = source.lstrip(".")
    return len(source) - len(stripped), stripped


def _import_line(source: str) -> cst.SimpleStatementLine:
    level, name = _parse_import(source)
    return cst.SimpleStatementLine(
        body=[
            cst.ImportFrom(
                module=_expr(name) if name else None,
                names=[cst.ImportAlias(cst.Name(HELPER))],
                relative=[cst.Dot()] * level,
            )
        ]
    )


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _merge_alias(node: cst.ImportFrom) -> cst.ImportFrom:
    """``node`` with the helper added to its names: sorted in when they are sorted."""
    assert not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    keys = [_dotted(a.name).casefold() for a in aliases]
    at = len(aliases)
    if keys == sorted(keys):
        at = next((i for i, k in enumerate(keys) if k > HELPER.casefold()), len(aliases))
    if len(aliases) >= 2 and isinstance(aliases[0].comma, cst.Comma):
        sep: cst.Comma = aliases[0].comma
    elif node.lpar is not None and isinstance(
        node.lpar.whitespace_after, cst.ParenthesizedWhitespace
    ):
        sep = cst.Comma(whitespace_after=node.lpar.whitespace_after)
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = cst.ImportAlias(cst.Name(HELPER))
    if at < len(aliases):
        aliases.insert(at, new.with_changes(comma=sep))
    else:
        last = aliases[-1]
        aliases[-1] = last.with_changes(comma=sep)
        aliases.append(new.with_changes(comma=last.comma))
    return node.with_changes(names=aliases)


_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY = range(4)


def _group_of(module: str, top: str) -> int:
    """The import block a module belongs to (isort's sections)."""
    head = module.split(".")[0]
    if head == "__future__":
        return _FUTURE
    if head == top:
        return _FIRST_PARTY
    if head in sys.stdlib_module_names:
        return _STDLIB
    return _THIRD_PARTY


def _line_group(stmt: cst.SimpleStatementLine, top: str) -> int:
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        if node.relative:
            return _FIRST_PARTY
        return _group_of(_dotted(node.module), top)
    assert isinstance(node, cst.Import)
    return _group_of(_dotted(node.names[0].name), top)


def _place(
    body: list[cst.BaseStatement], line: cst.SimpleStatementLine, group: int, top: str
) -> list[cst.BaseStatement]:
    """``body`` with the import ``line`` among the leading imports.

    It joins the block (imports without a blank line between them) that holds
    imports like it (relative ones, or from the same package), sorted in when
    that block is sorted as usort and isort leave it, else last. Without such a
    block it goes after the last import of its isort section or before.
    """
    imports: list[tuple[int, int]] = []  # (index, group) of the imports above the first def
    blocks: list[list[int]] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(stmt, cst.SimpleStatementLine) and _is_import_line(stmt):
            imports.append((i, _line_group(stmt, top)))
            joined = any(_is_blank(x) for x in stmt.leading_lines)
            if blocks and blocks[-1][-1] == i - 1 and not joined:
                blocks[-1].append(i)
            else:
                blocks.append([i])
    out = list(body)
    kind = _kind(line)
    alike = [block for block in blocks if any(_kind(out[i]) == kind for i in block)]
    if alike:
        block = alike[-1]
        keys = [_sort_key(out[i]) for i in block]
        key = _sort_key(line)
        after = [i for i, k in zip(block, keys) if k > key] if keys == sorted(keys) else []
        if not after:
            out.insert(block[-1] + 1, line)
            return out
        at = after[0]
        following = out[at]
        lines = list(following.leading_lines)
        head = 0
        while head < len(lines) and _is_blank(lines[head]):
            head += 1
        out[at] = following.with_changes(leading_lines=lines[head:])
        out.insert(at, line.with_changes(leading_lines=lines[:head]))
        return out
    before = [(i, g) for i, g in imports if g <= group]
    if before:
        at, previous = before[-1]
        blank = previous != group
        out.insert(at + 1, line.with_changes(leading_lines=[_BLANK] if blank else ()))
        return out
    if imports:  # every import belongs after this one: go first, keep their comments above
        at = imports[0][0]
        first = out[at]
        out[at] = first.with_changes(leading_lines=[_BLANK])
        out.insert(at, line.with_changes(leading_lines=first.leading_lines))
        return out
    at = _body_start(out)
    out.insert(at, line.with_changes(leading_lines=[_BLANK] if at else ()))
    if at + 1 < len(out) and not out[at + 1].leading_lines:
        following = out[at + 1]
        blanks = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
        out[at + 1] = following.with_changes(leading_lines=[_BLANK] * blanks)
    return out


def _kind(stmt: cst.BaseStatement) -> str:
    """What makes two import lines alike: "." for relative ones, else the top package."""
    assert isinstance(stmt, cst.SimpleStatementLine)
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        return "." if node.relative else _dotted(node.module).split(".")[0]
    assert isinstance(node, cst.Import)
    return _dotted(node.names[0].name).split(".")[0]


def _sort_key(stmt: cst.BaseStatement) -> tuple[int, str]:
    """usort's order of import lines: more leading dots first, then by module."""
    assert isinstance(stmt, cst.SimpleStatementLine)
    node = stmt.body[0]
    if isinstance(node, cst.ImportFrom):
        return -len(node.relative), _dotted(node.module).casefold()
    assert isinstance(node, cst.Import)
    return 0, _dotted(node.names[0].name).casefold()


def _merge_into(body: list[cst.BaseStatement], source: str) -> list[cst.BaseStatement] | None:
    """``body`` with the helper added to an existing ``from <source> import ...``; None if none."""
    level, name = _parse_import(source)
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        node = stmt.body[0]
        if (
            isinstance(node, cst.ImportFrom)
            and not isinstance(node.names, cst.ImportStar)
            and len(node.relative) == level
            and _dotted(node.module) == name
        ):
            out = list(body)
            out[i] = stmt.with_changes(body=[_merge_alias(node)])
            return out
    return None
