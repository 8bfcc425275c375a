"""The CI gate around a check: baseline, diff base, safe git.

Owns the gate's steps (``run``), accepted findings (``baseline``), the merge base
exported from raw blobs (``gitbase``) and the same engine run on it (``diffbase``).

May import: the engine, output, link, files, python, cpp and core; never fix or a
front end.
"""
