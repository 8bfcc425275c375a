"""TVU104 dataset-base-not-logged: the dataset base ``__init__`` every dataset relies on."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.facts import ClassFact
from tvusage_lint.python.policy import ROLE_DATASET_ROOT, EntryPoint
from tvusage_lint.python.rules.common import ENTRY_POINT, Context, at_header, class_fix, unlogged


@codes.unit("TVU104", ENTRY_POINT)
def dataset_base_not_logged(ctx: Context, point: EntryPoint) -> Finding | None:
    """Finds a dataset base class whose ``__init__`` does not log for every dataset."""
    if not unlogged(point) or point.role != ROLE_DATASET_ROOT:
        return None
    fact = point.fact
    assert isinstance(fact, ClassFact)
    return at_header(
        point,
        "TVU104",
        f"dataset base `{fact.name}.__init__` does not call "
        "`_log_api_usage_once(self)`; every dataset relies on it",
        class_fix(ctx, point.module, fact),
    )
