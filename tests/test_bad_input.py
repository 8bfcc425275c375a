"""Any file gives a finding or a one-line error, never a traceback; the run goes on."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import brief, check, write_tree
from tvusage_lint.frontends.cli import main

GOOD = {"torchvision/ops/boxes.py": "def nms(x):\n    return x\n"}


def codes_by_path(result) -> list[tuple[str, str, int]]:
    return [(f.code, f.path, f.line) for f in result.findings]


def test_non_utf8_file(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD)
    (tmp_path / "torchvision/ops/latin.py").write_bytes(b"x = '\xe9t\xe9'\n")
    result = check(tmp_path)
    assert codes_by_path(result) == [
        ("TVU102", "torchvision/ops/boxes.py", 1),
        ("TVU001", "torchvision/ops/latin.py", 1),
    ]
    assert result.findings[1].message.startswith("cannot check this file: cannot decode")


def test_declared_latin1_encoding_is_honoured(tmp_path: Path) -> None:
    write_tree(tmp_path, {})
    path = tmp_path / "torchvision/io/image.py"
    path.parent.mkdir(parents=True)
    (tmp_path / "torchvision/io/__init__.py").write_text("")
    (tmp_path / "torchvision/__init__.py").write_text("")
    path.write_bytes(
        b"# -*- coding: latin-1 -*-\ndef read_file(p):\n    '''\xe9'''\n    return p\n"
    )
    assert brief(check(tmp_path).findings) == [("TVU102", 2, "torchvision.io.image.read_file")]


def test_binary_file_named_py(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD)
    (tmp_path / "torchvision/ops/blob.py").write_bytes(bytes(range(256)) * 4)
    result = check(tmp_path)
    assert codes_by_path(result) == [
        ("TVU001", "torchvision/ops/blob.py", 1),
        ("TVU102", "torchvision/ops/boxes.py", 1),
    ]
    assert "binary file" in result.findings[0].message


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {**GOOD, "torchvision/ops/broken.py": "x = 1\ndef f(:\n    pass\n"})
    result = check(tmp_path)
    assert codes_by_path(result) == [
        ("TVU102", "torchvision/ops/boxes.py", 1),
        ("TVU001", "torchvision/ops/broken.py", 2),
    ]


def test_empty_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {**GOOD, "torchvision/ops/empty.py": ""})
    assert codes_by_path(check(tmp_path)) == [("TVU102", "torchvision/ops/boxes.py", 1)]


def test_huge_generated_file(tmp_path: Path) -> None:
    lines = [f"def gen_{i}(x):\n    return x + {i}\n" for i in range(80_000)]
    text = "__all__ = []\n" + "".join(lines)
    assert len(text) > 2_500_000
    write_tree(tmp_path, {**GOOD, "torchvision/ops/_generated.py": text})
    assert codes_by_path(check(tmp_path)) == [("TVU102", "torchvision/ops/boxes.py", 1)]


def test_symlink_loop_is_skipped(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD)
    os.symlink(tmp_path / "torchvision", tmp_path / "torchvision/ops/loop")
    os.symlink("self", tmp_path / "torchvision/ops/self")
    assert codes_by_path(check(tmp_path)) == [("TVU102", "torchvision/ops/boxes.py", 1)]


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output == f"tvusage-lint: error: {tmp_path / 'nope'}: no such file or directory\n"


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root reads anything; simulate with a directory named like a file instead
        write_tree(tmp_path, GOOD)
        (tmp_path / "torchvision/ops/dir.py").mkdir()
        assert codes_by_path(check(tmp_path)) == [("TVU102", "torchvision/ops/boxes.py", 1)]
        return
    write_tree(tmp_path, {**GOOD, "torchvision/ops/secret.py": "x = 1\n"})
    (tmp_path / "torchvision/ops/secret.py").chmod(0)
    assert codes_by_path(check(tmp_path))[1][0] == "TVU001"


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    text = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    write_tree(tmp_path, {**GOOD, "torchvision/ops/deep.py": text})
    result = check(tmp_path)
    assert [f.code for f in result.findings] == ["TVU102", "TVU001"]


def test_a_crashing_rule_names_itself_and_keeps_other_findings(tmp_path: Path, monkeypatch) -> None:
    from tvusage_lint.python.rules import Checker

    write_tree(
        tmp_path,
        {
            **GOOD,
            "torchvision/io/image.py": "import torch\n\ndef read_file(p):\n    _log_api_usage_once(read_file)\n",
        },
    )
    real = Checker.calls

    def calls(self, module):
        if module.name == "torchvision.io.image":
            raise RuntimeError("boom")
        return real(self, module)

    monkeypatch.setattr(Checker, "calls", calls)
    result = check(tmp_path)
    assert codes_by_path(result) == [
        ("TVU001", "torchvision/io/image.py", 1),
        ("TVU102", "torchvision/ops/boxes.py", 1),
    ]
    assert result.findings[0].message.startswith(
        "internal error in the call rules (TVU201-TVU208) at test_bad_input.py:"
    )
    assert result.findings[0].message.endswith("RuntimeError: boom (please report it)")
