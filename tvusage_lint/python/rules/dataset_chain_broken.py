"""TVU103 dataset-chain-broken: a dataset that never reaches the logging base ``__init__``.

There is no automatic fix.
"""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding
from tvusage_lint.python.policy import BREAK_NO_SUPER, ROLE_DATASET, EntryPoint
from tvusage_lint.python.rules.common import ENTRY_POINT, Context, at_header, short, unlogged


@codes.unit("TVU103", ENTRY_POINT)
def dataset_chain_broken(ctx: Context, point: EntryPoint) -> Finding | None:
    """Finds a dataset class whose construction does not reach the dataset base's ``__init__``."""
    if not unlogged(point) or point.role != ROLE_DATASET or not point.chain_break:
        return None
    name = point.fact.name
    where = short(point.chain_at)
    if point.chain_break == BREAK_NO_SUPER:
        root = short(point.root)
        message = (
            f"dataset `{name}` does not reach `{root}.__init__`, which logs for "
            f"every dataset: `{where}.__init__` does not call `super().__init__()`"
        )
    elif point.root:
        root = short(point.root)
        message = (
            f"dataset `{name}` does not derive from `{root}`, whose `__init__` "
            "logs for every dataset"
        )
    else:
        message = (
            f"dataset `{name}` does not derive from the dataset base class, "
            "whose `__init__` logs for every dataset"
        )
    return at_header(point, "TVU103", message)
