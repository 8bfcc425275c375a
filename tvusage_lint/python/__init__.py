"""The Python half: facts (stdlib ``ast``), the index, entry points and the rules.

Owns the facts of one module (``facts``, ``layers``, ``op_calls``, ``ast_util``), names
resolved across modules (``index``), entry points with their status (``policy``,
``placement``), what a logging call emits (``emission``) and the Python rules
(TVU1xx, TVU2xx, TVU4xx).

May import: core only. Never ``cpp/``, never the file system (``files/``): facts
depend on a file's bytes alone.
"""
