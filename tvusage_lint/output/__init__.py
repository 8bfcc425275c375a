"""Output formats: findings, entries and events as text, JSON, SARIF, GitHub, Markdown.

Owns the reports (``report``, ``sarif``, ``github``), the events catalogue and its
diffs (``events``) and the rule pages (``pages``).

May import: link, files, python, cpp and core; never the engine, the gate or a front
end (they hand it what to print).
"""
