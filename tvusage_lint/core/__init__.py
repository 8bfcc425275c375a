"""Core: the types and settings every stage shares.

Owns the rule codes (``codes``), findings and fixes as data (``findings``), coverage
entries (``entries``), the settings (``config``: preset, ``[tool.tvusage-lint]``,
overrides, ``DEFAULT_MAX_FILE_SIZE``) and the suppression comments (``suppressions``:
how they are written, found in a file's text and applied to its findings).

May import: nothing else of the package (the standard library only). Every other
folder may import it.
"""
