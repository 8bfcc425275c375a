"""Python facts survive pickling (parse workers send them back so) unchanged, field by field."""

from __future__ import annotations

import pickle
from pathlib import Path

from tvusage_lint.python import facts

ROOT = Path(__file__).resolve().parent.parent


def test_every_fixture_file_round_trips() -> None:
    paths = sorted((ROOT / "fixtures").rglob("*.py")) + sorted(
        (ROOT / "tests" / "data").rglob("*.py")
    )
    assert len(paths) == 48
    for path in paths:
        got = facts.extract(path.read_bytes(), layers=True)
        back = pickle.loads(pickle.dumps(got))
        assert (path.name, back) == (path.name, got)
        assert [type(c) for c in back.classes] == [facts.ClassFact] * len(got.classes)


def test_a_fact_with_optional_and_nested_fields() -> None:
    got = facts.extract(
        b"from .utils import _log_api_usage_once\n\n"
        b"class A:\n    def __init__(self):\n        _log_api_usage_once(self)\n",
        layers=False,
    )
    init = got.classes[0].init
    assert init is not None and pickle.loads(pickle.dumps(init)) == init
    assert pickle.loads(pickle.dumps(got.log_calls[0].span)) == got.log_calls[0].span
