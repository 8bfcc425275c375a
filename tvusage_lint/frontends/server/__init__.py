"""``tvusage-lint server``: the checker as a Language Server (pygls, imported only here)."""

from __future__ import annotations
