"""TVU206 log-not-imported: ``_log_api_usage_once`` called in a module that never binds it."""

from __future__ import annotations

from tvusage_lint.core import codes
from tvusage_lint.core.findings import Finding, Fix
from tvusage_lint.python.index import Module
from tvusage_lint.python import facts as F
from tvusage_lint.python.rules.common import MODULE, SAFE, Context, at_call, log_site


@codes.unit("TVU206", MODULE)
def log_not_imported(ctx: Context, module: Module) -> Finding | None:
    """Finds the first call of ``_log_api_usage_once`` in a module that does not import it."""
    facts = module.facts
    if facts.helper_bound:
        return None
    first = next((call for call in facts.log_calls if call.callee == F.HELPER), None)
    if first is None:
        return None
    source = ctx.import_source(module)
    return at_call(
        log_site(module, first),
        "TVU206",
        "`_log_api_usage_once` is used but not imported",
        Fix(
            title=f"Add `from {source} import _log_api_usage_once`",
            applicability=SAFE,
            action="add-import",
            params=(("import", source),),
        ),
    )
