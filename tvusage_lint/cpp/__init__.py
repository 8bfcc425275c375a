"""The C++ (``csrc``) half: libclang facts, the TVU3xx rules and their text fixes.

libclang is imported by ``cpp.facts`` only, so that nothing outside this
package loads it unless C++ files are in scope.
"""
