"""Files: bytes in and out of a checkout, and a file's facts (cached, parsed in parallel).

Owns reading a file that may be hostile (``reading``), paths to files and their
context (``discovery``), atomic writes (``atomic``), the parse budget (``budget``),
the garbage collector pause (``gcpause``), the facts cache (``cache``) and the parse
of many files in forked workers (``parallel``).

May import: core, and the fact extractors of ``python/`` and ``cpp/`` (``parallel``
runs them, ``cache`` stores what they return). The parsers themselves never touch the
file system, so they sit below this folder.
"""
