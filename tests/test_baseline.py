"""``check --write-baseline`` / ``--baseline`` / config key ``baseline``."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_tree

UTILS = '''\
import torch


def _log_api_usage_once(obj) -> None:
    torch._C._log_api_usage_once(obj.__module__)


def make_grid(x):
    """Old debt."""
    return x


def save_image(x):
    """Old debt too."""
    return x
'''


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write_tree(root, {"torchvision/utils.py": UTILS, "torchvision/__init__.py": ""}, helper=False)
    return root


def check(root: Path, *args: str, cwd: Path | None = None):
    return run_cli(["check", "--no-cache", *args], cwd or root)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_round_trip_file_format_and_shifted_lines(tmp_path: Path) -> None:
    root = tree(tmp_path)
    wrote = check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    assert wrote.exit_code == 0
    assert wrote.stderr == "Wrote 2 baseline entries (2 findings) to baseline.jsonl.\n"
    assert (root / "baseline.jsonl").read_text(encoding="utf-8").splitlines() == [
        '{"tvusage-lint-baseline": 1}',
        '{"code": "TVU102", "count": 1, "path": "torchvision/utils.py", "symbol": "torchvision.utils.make_grid"}',
        '{"code": "TVU102", "count": 1, "path": "torchvision/utils.py", "symbol": "torchvision.utils.save_image"}',
    ]
    clean = check(root, "--baseline", "baseline.jsonl", "torchvision")
    assert (clean.exit_code, clean.stdout.splitlines()[0]) == (
        0,
        "All checks passed (2 files checked).",
    )
    # ten lines added above both entry points: no line numbers in the baseline
    edit(root / "torchvision/utils.py", "import torch\n", "import torch\n" + "\n# note\n" * 5)
    assert check(root, "--baseline", "baseline.jsonl", "torchvision").exit_code == 0
    # writing twice gives the same bytes
    before = (root / "baseline.jsonl").read_bytes()
    check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    assert (root / "baseline.jsonl").read_bytes() == before


def test_a_new_finding_is_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    edit(
        root / "torchvision/utils.py",
        "def save_image",
        "def draw(x):\n    return x\n\n\ndef save_image",
    )
    result = check(root, "--baseline", "baseline.jsonl", "--format", "json", "torchvision")
    assert result.exit_code == 1
    assert [(f["code"], f["symbol"]) for f in json.loads(result.stdout)] == [
        ("TVU102", "torchvision.utils.draw")
    ]


def test_a_stale_entry_fails_naming_it_until_the_baseline_is_rewritten(tmp_path: Path) -> None:
    root = tree(tmp_path)
    check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    edit(
        root / "torchvision/utils.py",
        '"""Old debt."""\n',
        '"""Old debt."""\n    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n'
        "        _log_api_usage_once(make_grid)\n",
    )
    result = check(root, "--baseline", "baseline.jsonl", "torchvision")
    assert result.exit_code == 1
    assert result.stderr == (
        "tvusage-lint: baseline.jsonl: stale baseline entry torchvision/utils.py: TVU102 "
        "`torchvision.utils.make_grid` (1 baselined, 0 found); re-run with "
        "--write-baseline baseline.jsonl to accept the fix\n"
    )
    assert check(root, "--write-baseline", "baseline.jsonl", "torchvision").exit_code == 0
    assert check(root, "--baseline", "baseline.jsonl", "torchvision").exit_code == 0
    assert len((root / "baseline.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_multiset_fixing_one_and_adding_another_of_the_same_kind_still_fails(
    tmp_path: Path,
) -> None:
    root = tree(tmp_path)
    bad = (
        "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
        "        _log_api_usage_once(save_image)\n"
    )
    edit(root / "torchvision/utils.py", '"""Old debt."""\n', '"""Old debt."""\n' + bad)
    check(root, "--write-baseline", "b.jsonl", "torchvision")
    assert '"code": "TVU204", "count": 1' in (root / "b.jsonl").read_text(encoding="utf-8")
    # two wrong calls in make_grid now: the count in the baseline is 1
    edit(root / "torchvision/utils.py", bad, bad + bad.replace("    if", "    if True and"))
    result = check(
        root, "--baseline", "b.jsonl", "--format", "json", "--select", "TVU204", "torchvision"
    )
    assert result.exit_code == 1
    assert [(f["code"], f["symbol"]) for f in json.loads(result.stdout)] == [
        ("TVU204", "torchvision.utils.make_grid")
    ]


def test_paths_are_relative_to_the_baseline_file_whatever_the_cwd(tmp_path: Path) -> None:
    root = tree(tmp_path)
    check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    sub = root / "torchvision"
    result = check(root, "--baseline", "../baseline.jsonl", ".", cwd=sub)
    assert (result.exit_code, result.stderr) == (0, "")
    written_from_sub = check(root, "--write-baseline", "../again.jsonl", ".", cwd=sub)
    assert written_from_sub.exit_code == 0
    assert (root / "again.jsonl").read_bytes() == (root / "baseline.jsonl").read_bytes()


def test_entries_of_files_not_checked_are_not_stale(tmp_path: Path) -> None:
    root = tree(tmp_path)
    write_tree(
        root, {"torchvision/io/video.py": "def read_video(x):\n    return x\n"}, helper=False
    )
    check(root, "--write-baseline", "baseline.jsonl", "torchvision")
    # pre-commit passes one changed file; the other file's entries stay untouched
    result = check(root, "--baseline", "baseline.jsonl", "torchvision/io/video.py")
    assert (result.exit_code, result.stderr) == (0, "")
    # a --select run judges only the selected codes
    assert (
        check(root, "--baseline", "baseline.jsonl", "--select", "TVU2", "torchvision").exit_code
        == 0
    )


def test_config_key_is_relative_to_the_config_file(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "ci").mkdir()
    check(root, "--write-baseline", "ci/baseline.jsonl", "torchvision")
    (root / "pyproject.toml").write_text(
        '[tool.tvusage-lint]\nbaseline = "ci/baseline.jsonl"\n', encoding="utf-8"
    )
    assert check(root, "torchvision").exit_code == 0
    assert check(root, ".", cwd=root / "torchvision").exit_code == 0
    (root / "ci/baseline.jsonl").unlink()
    missing = check(root, "torchvision")
    assert missing.exit_code == 2
    assert missing.stderr == (
        f"tvusage-lint: error: {root / 'ci/baseline.jsonl'}: baseline file not found "
        f"(create it with --write-baseline {root / 'ci/baseline.jsonl'})\n"
    )


def test_bad_baseline_files_are_one_line_errors(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "b.jsonl").write_text('{"tvusage-lint-baseline": 1}\n{"code": "TVU102"}\n')
    result = check(root, "--baseline", "b.jsonl", "torchvision")
    assert (result.exit_code, result.stderr) == (
        2,
        "tvusage-lint: error: b.jsonl:2: a baseline entry needs path, code, symbol and a count >= 1\n",
    )
    (root / "b.jsonl").write_text("[]\n")
    assert check(root, "--baseline", "b.jsonl", "torchvision").stderr == (
        "tvusage-lint: error: b.jsonl:1: not a tvusage-lint baseline "
        "(expected {'tvusage-lint-baseline': 1})\n"
    )
    combined = check(root, "--write-baseline", "b.jsonl", "--fix", "torchvision")
    assert combined.exit_code == 2


def test_config_baseline_must_be_a_path(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "pyproject.toml").write_text("[tool.tvusage-lint]\nbaseline = 3\n", encoding="utf-8")
    result = check(root, "torchvision")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "pyproject.toml: `baseline` must be a path (relative to the config file)\n"
    )
