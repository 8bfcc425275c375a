"""Rule pages (``rules/<CODE>.md``): found in the wheel or, in a checkout, beside the package."""

from __future__ import annotations

from pathlib import Path

import tvusage_lint
from tvusage_lint.core.codes import RULES

SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fixed",
    "Fix safety",
    "Options",
)


def folder() -> Path:
    """Found from the package's root, not from this module, so that it may sit in any folder."""
    here = Path(tvusage_lint.__file__).parent
    for candidate in (here / "_pages", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("rule pages not found (broken installation)")


def read(code: str) -> str:
    if code not in RULES:
        raise KeyError(code)
    return (folder() / f"{code}.md").read_text(encoding="utf-8")
