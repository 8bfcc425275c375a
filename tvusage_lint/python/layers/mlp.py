"""TVU403: Linear (→ norm) → activation (→ Dropout) → Linear ... that ``MLP`` builds."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tvusage_lint.python.ast_util import argument
from tvusage_lint.python.layers.base import ACT, DROPOUT, LINEAR, NORM, NORMS_1D, Item


def runs(items: list[Item]) -> Iterator[list[Item]]:
    """Linear (→ norm) → activation (→ Dropout) → Linear ..., at least two Linear layers,
    that ``torchvision.ops.MLP`` builds the same: one activation, one norm (or none) and
    one bias setting throughout, and a Dropout after every layer, the last included, or
    none at all."""
    i = 0
    while i < len(items):
        if items[i].kind != LINEAR:
            i += 1
            continue
        end, k = i, i + 1
        while True:
            if k < len(items) and items[k].kind == NORM and items[k].final in NORMS_1D:
                k += 1
            if k >= len(items) or items[k].kind != ACT:
                break
            k += 1
            if k < len(items) and items[k].kind == DROPOUT:
                k += 1
            if k >= len(items) or items[k].kind != LINEAR:
                break
            end, k = k, k + 1
        if end == i:
            i += 1
            continue
        run = items[i : end + 1]
        if end + 1 < len(items) and items[end + 1].kind == DROPOUT:
            run.append(items[end + 1])
        if _same_as_mlp(run):
            yield run
        i = end + 1


def _same_as_mlp(run: list[Item]) -> bool:
    def arg(item: Item, index: int, keyword: str) -> str:
        assert item.call is not None
        value = argument(item.call, index, keyword)
        if value is None or (isinstance(value, ast.Constant) and value.value is True):
            return ""
        return ast.dump(value)

    linears = [i for i in run if i.kind == LINEAR]
    hidden = len(linears) - 1
    if len({arg(i, 2, "bias") for i in linears}) != 1:
        return False
    acts = {i.final for i in run if i.kind == ACT}
    norms = [i.final for i in run if i.kind == NORM]
    if len(acts) != 1 or len(set(norms)) > 1 or len(norms) not in (0, hidden):
        return False
    dropouts = [i for i in run if i.kind == DROPOUT]
    if len(dropouts) not in (0, hidden + 1):
        return False
    return len({arg(i, 0, "p") for i in dropouts}) <= 1
