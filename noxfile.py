"""The test suite on every supported Python: ``nox`` (all four) or ``nox -s tests-3.10``.

nox finds each interpreter on PATH (``python3.10``...; with pyenv: ``pyenv shell
3.10.13 3.11.7 3.12.1 3.13.0``) and makes a fresh venv per version.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)
