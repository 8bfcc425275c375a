"""``tvusage-lint server``: the checker as a Language Server (pygls, imported only here).

May import: the engine, fix/ and every stage below them; the CLI starts it.
"""

from __future__ import annotations
