"""Front ends: the command line, the language server and the flake8 plugin.

Owns ``tvusage-lint`` (``cli``, ``progress``), ``tvusage-lint server`` (``server``,
pygls imported only there) and the flake8 entry point (``flake8``).

May import: everything else; nothing imports it (``tvusage_lint/__main__.py`` aside).
"""
