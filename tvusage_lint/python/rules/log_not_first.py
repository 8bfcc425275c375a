"""TVU201 log-not-first: a logging call that is not where the body starts.

First in a function, right after the scripting early return, right after
``super().__init__()`` in a constructor; a docstring and local imports before
it are accepted. A call before ``super().__init__()`` is TVU202's.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.facts import FunctionFact
from tvusage_lint.python.rules.common import (
    LOG_CALL,
    Context,
    LogSite,
    at_call,
    before_super,
    function_style,
    move_fix,
)


@codes.unit("TVU201", LOG_CALL)
def log_not_first(ctx: Context, site: LogSite) -> Finding | None:
    """Finds a logging call that is not the first statement of its ``__init__`` or function."""
    if not site.regular or before_super(site):
        return None
    fn = site.fn
    assert fn is not None
    if site.in_init:
        style = "constructor"
        sup = fn.super_init_index
        expected = sup + 1 if sup is not None else fn.body_start
        where = "right after `super().__init__()`" if sup is not None else "first"
    else:
        style = function_style(fn)
        expected = fn.body_start + (1 if style == "after-early-return" else 0)
        where = (
            "right after the scripting early return" if style == "after-early-return" else "first"
        )
    index = site.call.stmt_index
    if index is not None and _acceptable(index, expected, fn):
        return None
    place = "the first statement" if where == "first" else where
    return at_call(
        site,
        "TVU201",
        f"`{site.shown}` is not {place} in `{fn.qualname}`",
        move_fix(fn, site.pos, style, where),
    )


def _acceptable(index: int, expected: int, fn: FunctionFact) -> bool:
    """The expected place, or anywhere in the docstring-and-local-imports preamble."""
    if index == expected:
        return True
    extra = fn.preamble_end - fn.body_start
    return expected == fn.body_start and extra > 0 and expected <= index <= fn.preamble_end
