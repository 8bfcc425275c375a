"""Every test gets its own facts-cache folder: no test reads or writes the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("TVUSAGE_LINT_CACHE_DIR", str(home))
    return home
