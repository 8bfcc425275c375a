"""The C++ (``csrc``) half: libclang facts and the TVU3xx rules with their edits.

libclang is imported by ``cpp.facts`` only, so that nothing outside this
package loads it unless C++ files are in scope. The edits are carried out by
``fix/cpp.py``.

May import: core only. Never ``python/``, never the file system (``files/``):
facts depend on a file's bytes alone.
"""
