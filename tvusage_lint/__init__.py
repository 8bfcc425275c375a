"""tvusage-lint: keep torchvision's API-usage logging complete and correct."""

from __future__ import annotations

__version__ = "0.1.0"
