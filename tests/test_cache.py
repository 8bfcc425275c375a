"""The facts cache and ``--jobs``, through the command line.

Every test compares exact findings (code, line, path) between runs, so a cache
or a worker that changes a result fails here, not only one that crashes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import write_tree

from tvusage_lint import __version__
from tvusage_lint.files import cache, parallel
from tvusage_lint.files.cache import ENV_DIR, Cache, cache_file_name, cache_folder, content_key
from tvusage_lint.frontends.cli import main

CACHE_FILE = cache_file_name()
OLD_DIR = ".tvusage_lint_cache"  # where the cache was, inside the checkout, before 2026-12
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by tvusage-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

SMALL = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "torchvision/ops/__init__.py": "from .boxes import box_area, nms\n\n__all__ = ['box_area', 'nms']\n",
    "torchvision/ops/boxes.py": '''
        import torch

        from ..utils import _log_api_usage_once


        def nms(boxes, scores, iou_threshold):
            """Non-maximum suppression."""
            if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                _log_api_usage_once(nms)
            return boxes


        def box_area(boxes):
            return boxes
    ''',
    "torchvision/transforms/functional.py": """
        def hflip(img):
            return img


        def vflip(img):
            return img
    """,
}
SMALL_FINDINGS = [
    ("TVU102", 13, "torchvision/ops/boxes.py"),
    ("TVU102", 1, "torchvision/transforms/functional.py"),
    ("TVU102", 5, "torchvision/transforms/functional.py"),
]


def findings(stdout: str) -> list[tuple[str, int, str]]:
    return [(f["code"], f["line"], f["path"]) for f in json.loads(stdout)]


def check(root: Path, monkeypatch, *extra: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["check", "torchvision", "--format", "json", *extra])


def store_of(root: Path) -> Path:
    return cache_folder(root) / CACHE_FILE


def home() -> Path:
    return Path(os.environ[ENV_DIR])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_tree(tmp_path, SMALL)


def test_warm_run_reads_the_cache_and_gives_the_same_findings(small, monkeypatch):
    cold = check(small, monkeypatch)
    assert (cold.exit_code, cold.stderr) == (1, "")
    assert findings(cold.stdout) == SMALL_FINDINGS
    assert store_of(small).is_file()

    # a warm run parses nothing: a parser that fails proves every fact came from the cache
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a file although its facts were cached")

    with monkeypatch.context() as m:
        m.setattr(parallel, "_extract", no_parsing)
        warm = check(small, monkeypatch)
    assert (warm.exit_code, warm.stderr) == (1, "")
    assert warm.stdout == cold.stdout


def test_changed_file_is_parsed_again(small, monkeypatch):
    check(small, monkeypatch)
    boxes = small / "torchvision/ops/boxes.py"
    boxes.write_text(boxes.read_text().replace("def box_area", "def _box_area"))
    warm = check(small, monkeypatch)
    assert findings(warm.stdout) == SMALL_FINDINGS[1:]


def test_cache_folder_is_tagged_and_outside_the_checkout(small, monkeypatch):
    before = sorted(p.relative_to(small) for p in small.rglob("*"))
    check(small, monkeypatch)
    assert sorted(p.relative_to(small) for p in small.rglob("*")) == before
    assert sorted(p.name for p in home().iterdir()) == [
        ".gitignore",
        "CACHEDIR.TAG",
        cache_folder(small).name,
    ]
    assert cache_folder(small).name.startswith(f"{small.name}-")
    assert (home() / "CACHEDIR.TAG").read_text() == TAG
    assert (home() / ".gitignore").read_text() == "# Created by tvusage-lint automatically.\n*\n"
    assert [p.name for p in cache_folder(small).iterdir()] == [CACHE_FILE]
    header, body = store_of(small).read_bytes().split(b"\n", 1)
    assert json.loads(header) == {
        "format": "json",
        "layout": cache.LAYOUT,
        "schema": cache.schema(),
        "tool": "tvusage-lint",
        "version": __version__,
    }
    assert sorted(json.loads(body)) == ["py"]


def test_the_store_is_keyed_by_the_resolved_project_root(tmp_path):
    one = write_tree(tmp_path / "one", SMALL)
    two = write_tree(tmp_path / "two", SMALL)
    os.symlink(one, tmp_path / "link")
    assert cache_folder(one) != cache_folder(two)
    assert cache_folder(tmp_path / "link") == cache_folder(one)


def test_the_user_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_DIR)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_home() == tmp_path / "xdg" / "tvusage-lint"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_home() == tmp_path / "home" / ".cache" / "tvusage-lint"


def test_no_cache_writes_nothing(small, monkeypatch):
    before = sorted(p.relative_to(small) for p in small.rglob("*"))
    run = check(small, monkeypatch, "--no-cache")
    assert (run.exit_code, run.stderr) == (1, "")
    assert findings(run.stdout) == SMALL_FINDINGS
    assert sorted(p.relative_to(small) for p in small.rglob("*")) == before
    assert list(home().iterdir()) == []


def test_no_cache_ignores_a_broken_cache(small, monkeypatch):
    store_of(small).parent.mkdir(parents=True)
    store_of(small).write_bytes(b"not a store")
    run = check(small, monkeypatch, "--no-cache")
    assert (run.exit_code, run.stderr) == (1, "")
    assert store_of(small).read_bytes() == b"not a store"


def _good_store(small: Path, monkeypatch) -> bytes:
    check(small, monkeypatch)
    return store_of(small).read_bytes()


def _retyped(store: bytes) -> bytes:
    """The store with one integer field of one fact turned into a string."""
    header, body = store.split(b"\n", 1)
    sections = json.loads(body)
    first = sorted(sections["py"])[0]
    sections["py"][first]["error_line"] = "1"
    return header + b"\n" + json.dumps(sections).encode()


def _other_header(store: bytes) -> bytes:
    return store.replace(f'"version": "{__version__}"'.encode(), b'"version": "0.0.0"', 1)


def _unpickled(store: bytes) -> bytes:
    return pickle.dumps({"py:x": 1})


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: b"not a store", "not a store of this tvusage-lint version"),
        (lambda s: b"", "not a store of this tvusage-lint version"),
        (_unpickled, "not a store of this tvusage-lint version"),
        (_other_header, "not a store of this tvusage-lint version"),
        (lambda s: s[:-7], "DecodeError: Input data was truncated"),
        (
            lambda s: s.split(b"\n")[0] + b"\n[1, 2]",
            "ValidationError: Expected `object`, got `array`",
        ),
        (
            lambda s: s.split(b"\n")[0] + b'\n{"exe": {}}',
            "ValueError: unknown section 'exe'",
        ),
        (
            _retyped,
            "ValidationError: Expected `int`, got `str` - at `$[...].error_line`",
        ),
    ],
    ids=[
        "garbage",
        "empty",
        "pickle",
        "other-version",
        "truncated",
        "wrong-shape",
        "unknown-kind",
        "wrong-type",
    ],
)
def test_corrupt_cache_is_a_warning_and_is_replaced(small, monkeypatch, make, reason):
    good = _good_store(small, monkeypatch)
    expected = check(small, monkeypatch, "--no-cache").stdout
    path = store_of(small)
    path.write_bytes(make(good))
    run = check(small, monkeypatch)
    assert run.exit_code == 1
    assert run.stdout == expected
    assert (
        run.stderr == f"tvusage-lint: warning: cache {path} is unreadable ({reason}); ignoring it\n"
    )
    # the cold run rewrote it: the next run is quiet and warm
    assert path.read_bytes() == good
    again = check(small, monkeypatch)
    assert (again.exit_code, again.stderr, again.stdout) == (1, "", expected)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names reads through /proc")
def test_oversized_cache_is_refused_unread(small, monkeypatch):
    good = _good_store(small, monkeypatch)
    monkeypatch.setattr(cache, "MAX_STORE_BYTES", len(good) - 1)
    reads = []
    real_read = os.read
    monkeypatch.setattr(
        os,
        "read",
        lambda fd, n: reads.append(os.readlink(f"/proc/self/fd/{fd}")) or real_read(fd, n),
    )
    run = check(small, monkeypatch)
    # fstat refused it: not one byte of the store was read (the sources were)
    assert str(store_of(small)) not in reads and str(small / "torchvision/ops/boxes.py") in reads
    assert (run.exit_code, findings(run.stdout)) == (1, SMALL_FINDINGS)
    assert run.stderr == (
        f"tvusage-lint: warning: cache {store_of(small)} is unreadable "
        f"(larger than {len(good) - 1} bytes); ignoring it\n"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_a_store_owned_by_another_user_is_not_read(small, monkeypatch):
    _good_store(small, monkeypatch)
    os.chown(store_of(small), 4321, 4321)
    run = check(small, monkeypatch)
    assert (run.exit_code, findings(run.stdout)) == (1, SMALL_FINDINGS)
    assert run.stderr == (
        f"tvusage-lint: warning: cache {store_of(small)} is unreadable "
        "(owned by another user); ignoring it\n"
    )
    assert store_of(small).stat().st_uid == 0  # replaced by this user's own store


def test_corrupt_cache_keeps_a_clean_exit_code(tmp_path, monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": "", "torchvision/io/__init__.py": ""})
    store_of(tmp_path).parent.mkdir(parents=True)
    store_of(tmp_path).write_bytes(b"\x00\x01")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["check", "torchvision"])
    assert run.exit_code == 0
    assert run.stdout == "All checks passed (3 files checked).\n"
    assert "tvusage-lint: warning: cache " in run.stderr


def test_concurrent_runs_leave_a_loadable_cache(small):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVUSAGE_LINT")}
    env[ENV_DIR] = str(home())
    command = [sys.executable, "-m", "tvusage_lint", "check", "torchvision", "--format", "json"]
    procs = [
        subprocess.Popen(
            command, cwd=small, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [(p.returncode, err) for p, (_, err) in zip(procs, outputs)] == [(1, "")] * 3
    assert [findings(out) for out, _ in outputs] == [SMALL_FINDINGS] * 3
    # no temporary file left behind, and the store loads
    assert [p.name for p in cache_folder(small).iterdir()] == [CACHE_FILE]
    store = Cache(small)
    # six files, five contents: the two empty __init__.py files share one entry
    assert (store.warnings, len(store.entries)) == ([], 5)
    warm = subprocess.run(command, cwd=small, env=env, capture_output=True, text=True, timeout=60)
    assert (warm.returncode, warm.stderr) == (1, "")
    assert findings(warm.stdout) == SMALL_FINDINGS


def big_tree(root: Path, modules: int = 60) -> list[tuple[str, int, str]]:
    """``modules`` ops modules; every third one logs, the others miss one or two calls."""
    files = {"pyproject.toml": "", "torchvision/ops/__init__.py": ""}
    expected = []
    for i in range(modules):
        rel = f"torchvision/ops/op{i:02d}.py"
        if i % 3 == 0:
            files[rel] = f'''
                import torch

                from ..utils import _log_api_usage_once


                def op{i}(x):
                    """Operator {i}."""
                    if not torch.jit.is_scripting() and not torch.jit.is_tracing():
                        _log_api_usage_once(op{i})
                    return x
            '''
        elif i % 3 == 1:
            files[rel] = f"""
                def op{i}(x):
                    return x
            """
            expected.append(("TVU102", 1, rel))
        else:
            files[rel] = f"""
                import torch


                def op{i}(x):
                    return torch.relu(x)


                def op{i}_inplace(x):
                    return x.relu_()
            """
            expected += [("TVU102", 4, rel), ("TVU102", 8, rel)]
    write_tree(root, files)
    return expected


def test_jobs_give_the_same_findings(tmp_path, monkeypatch):
    expected = big_tree(tmp_path)
    pools: list[int] = []
    real_pool = parallel.ProcessPoolExecutor

    def counting_pool(*args, **kwargs):
        pools.append(kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting_pool)
    one = check(tmp_path, monkeypatch, "--no-cache", "--jobs", "1")
    assert pools == []
    two = check(tmp_path, monkeypatch, "--no-cache", "--jobs", "2")
    assert pools == [1]  # the tree is large enough: this process and one worker parse
    assert (one.exit_code, two.exit_code) == (1, 1)
    assert findings(one.stdout) == expected
    assert two.stdout == one.stdout
    # facts made by workers are cached like any others
    cold = check(tmp_path, monkeypatch, "--jobs", "2")
    warm = check(tmp_path, monkeypatch, "--jobs", "2")
    assert pools == [1, 1]  # the cold run used workers, the warm one did not
    assert cold.stdout == warm.stdout == one.stdout


def test_paths_into_one_tree_share_one_cache_without_pyproject(tmp_path: Path) -> None:
    from tvusage_lint.files.discovery import project_root

    pkg = tmp_path / "src" / "torchvision"
    (pkg / "ops").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "__init__.py").write_text("")
    (pkg / "ops" / "boxes.py").write_text("")
    root = tmp_path / "src"
    assert project_root(pkg) == root
    assert project_root(pkg / "ops" / "boxes.py") == root
    assert project_root(pkg / "ops") == root


def test_the_store_name_changes_with_the_fact_extractors(monkeypatch, tmp_path) -> None:
    from tvusage_lint.core import suppressions
    from tvusage_lint.python import facts

    name = cache.cache_file_name()
    assert name.startswith(f"facts-{__version__}-") and name.endswith(".json")
    # the extractor itself, and a module it takes names from (the suppression scan)
    for module in (facts, suppressions):
        other = tmp_path / f"{module.__name__}.py"
        other.write_text("# another version\n")
        with monkeypatch.context() as m:
            m.setattr(module, "__file__", str(other))
            assert cache.cache_file_name() != name
    assert cache.cache_file_name() == name


@pytest.mark.parametrize("package", ["python/facts", "cpp/facts"])
def test_every_module_of_a_facts_package_keys_the_store(package, monkeypatch, tmp_path) -> None:
    """The extractors are packages: a change to any of their modules gives another store."""
    import importlib

    root = Path(cache.__file__).parent.parent
    modules = sorted(str(p.relative_to(root)) for p in (root / package).glob("*.py"))
    assert len(modules) > 1 and set(modules) <= set(cache._EXTRACTORS)
    name = cache.cache_file_name()
    other = tmp_path / "other.py"
    other.write_text("# another version\n")
    for rel in modules:
        dotted = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        module = importlib.import_module("tvusage_lint." + dotted)
        with monkeypatch.context() as m:
            m.setattr(module, "__file__", str(other))
            assert cache.cache_file_name() != name, rel
    assert cache.cache_file_name() == name


def test_layer_scan_only_when_a_layer_rule_is_selected(tmp_path, monkeypatch) -> None:
    from tvusage_lint.python import layers

    write_tree(
        tmp_path,
        {
            "torchvision/models/net.py": """
                from torch import nn

                def make():
                    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
            """
        },
    )
    calls = []
    real = layers.scan
    monkeypatch.setattr(layers, "scan", lambda *a: calls.append(1) or real(*a))
    plain = check(tmp_path, monkeypatch)
    assert calls == []
    assert "TVU401" not in plain.stdout
    selected = check(tmp_path, monkeypatch, "--extend-select", "TVU401")
    scanned = len(calls)
    assert scanned == 4  # every file again: the cached facts without the scan are not reused
    codes = [(f["code"], f["path"], f["line"]) for f in json.loads(selected.stdout)]
    assert ("TVU401", "torchvision/models/net.py", 4) in codes
    again = check(tmp_path, monkeypatch, "--extend-select", "TVU401")
    assert len(calls) == scanned and again.stdout == selected.stdout


class _Payload:
    """Unpickling this touches ``marker``: proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_planted_pickle_never_runs(small, monkeypatch, tmp_path_factory):
    marker = tmp_path_factory.mktemp("evidence") / "pwned"
    payload = pickle.dumps({"py:x": _Payload(marker)})
    # where the cache used to be (a pull request can commit it) ...
    (small / OLD_DIR).mkdir()
    for name in (CACHE_FILE, f"facts-{__version__}-0123456789ab.pickle", "facts.pickle"):
        (small / OLD_DIR / name).write_bytes(payload)
    # ... and where it is now (only this user can write there)
    store_of(small).parent.mkdir(parents=True)
    store_of(small).write_bytes(payload)
    run = check(small, monkeypatch)
    assert not marker.exists()
    assert (run.exit_code, findings(run.stdout)) == (1, SMALL_FINDINGS)
    assert run.stderr == (
        f"tvusage-lint: warning: cache {store_of(small)} is unreadable "
        "(not a store of this tvusage-lint version); ignoring it\n"
    )


LOGGED_HFLIP = """
    import torch

    from ..utils import _log_api_usage_once


    def hflip(img):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            _log_api_usage_once(hflip)
        return img


    def vflip(img):
        return img
"""


def _poisoned_store(small: Path, monkeypatch, tmp_path_factory) -> bytes:
    """A valid store that says the violating functional.py logs: the facts of a
    version where ``hflip`` logs, filed under the hash of the one where it does not."""
    functional = small / "torchvision/transforms/functional.py"
    bad = functional.read_bytes()
    write_tree(small, {"torchvision/transforms/functional.py": LOGGED_HFLIP})
    good = functional.read_bytes()
    with monkeypatch.context() as m:
        m.setenv(ENV_DIR, str(tmp_path_factory.mktemp("forger")))
        check(small, monkeypatch)
        header, body = store_of(small).read_bytes().split(b"\n", 1)
    functional.write_bytes(bad)
    sections = json.loads(body)
    lie = sections["py"][content_key("py", good).partition(":")[2]]
    sections["py"][content_key("py", bad).partition(":")[2]] = lie
    return header + b"\n" + json.dumps(sections).encode()


def test_a_poisoned_store_in_the_checkout_is_not_used(small, monkeypatch, tmp_path_factory):
    poison = _poisoned_store(small, monkeypatch, tmp_path_factory)
    # the lie works where the tool reads its cache: that is why a checkout cannot put one there
    with monkeypatch.context() as m:
        m.setenv(ENV_DIR, str(tmp_path_factory.mktemp("victim")))
        store_of(small).parent.mkdir(parents=True)
        store_of(small).write_bytes(poison)
        fooled = check(small, monkeypatch)
    # hflip's violation is gone (and vflip is reported where the forged facts put it)
    assert findings(fooled.stdout) == [
        ("TVU102", 13, "torchvision/ops/boxes.py"),
        ("TVU102", 12, "torchvision/transforms/functional.py"),
    ]
    # committed in the checkout, in the old folder or in one named like the new one: unused
    (small / OLD_DIR / cache_folder(small).name).mkdir(parents=True)
    (small / OLD_DIR / CACHE_FILE).write_bytes(poison)
    (small / OLD_DIR / cache_folder(small).name / CACHE_FILE).write_bytes(poison)
    (small / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n[tool.tvusage-lint]\nselect = ['TVU1']\n"
    )
    run = check(small, monkeypatch)
    assert (run.exit_code, run.stderr) == (1, "")
    assert findings(run.stdout) == SMALL_FINDINGS


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class _Leaf:
    at: int
    name: str | None


@dataclasses.dataclass(frozen=True)
class _Fact:
    leaves: tuple[_Leaf, ...]
    pairs: tuple[tuple[int, tuple[str, ...]], ...]
    colour: Colour
    maybe: _Leaf | None
    added_later: tuple[str, ...] = ()  # a field someone adds: no cache code changes


def test_the_codec_follows_the_dataclass_fields(monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "fact_types", lambda: {"x": _Fact})
    monkeypatch.setattr(cache, "_schema_cache", None)
    value = _Fact(
        (_Leaf(1, None), _Leaf(2, "b")), ((3, ("c", "d")),), Colour.BLUE, _Leaf(4, ""), ("new",)
    )
    store = Cache(tmp_path)
    store.put("x:1", value)
    store.save()
    again = Cache(tmp_path)
    assert (again.warnings, again.entries) == ([], {"x:1": value})
    assert type(again.entries["x:1"].leaves) is tuple and again.entries["x:1"].colour is Colour.BLUE
    # another field, another schema: the old store is not even looked at
    monkeypatch.setattr(cache, "_schema_cache", None)
    monkeypatch.setattr(
        cache, "fact_types", lambda: {"x": dataclasses.make_dataclass("_Fact", [("n", int)])}
    )
    assert cache.cache_file_name() != store.file.name
    assert Cache(tmp_path).entries == {}


def test_real_facts_survive_the_round_trip(tmp_path):
    from tvusage_lint.cpp import facts as cpp_facts
    from tvusage_lint.python import facts as py_facts

    data = Path(__file__).parent / "data" / "torchvision_excerpt"
    py = {
        content_key("py+layers", p.read_bytes()): py_facts.extract(p.read_bytes(), layers=True)
        for p in sorted(data.rglob("*.py"))
    }
    assert any(f.layers for f in py.values()) and any(f.classes for f in py.values())
    cpp_root = Path(__file__).parent.parent / "fixtures"
    cpp = {
        content_key("cpp", p.read_bytes()): cpp_facts.extract(p.read_bytes(), p.name)
        for p in sorted(cpp_root.rglob("*.cpp"))[:6]
    }
    assert any(f.functions for f in cpp.values())
    store = Cache(tmp_path)
    for key, value in {**py, **cpp}.items():
        store.put(key, value)
    store.save()
    assert Cache(tmp_path).entries == {**py, **cpp}


def test_stale_entries_are_dropped_once_they_are_half_the_store(small, monkeypatch):
    boxes = small / "torchvision/ops/boxes.py"
    original = boxes.read_text()
    sizes = []
    for i in range(8):
        boxes.write_text(original + f"# edit {i}\n")
        run = check(small, monkeypatch)
        assert (run.exit_code, run.stderr) == (1, "")
        sizes.append(len(Cache(small).entries))
    # five contents in use; each edit leaves one stale entry until they outnumber the rest
    assert sizes == [5, 6, 7, 8, 9, 10, 5, 6]
    with monkeypatch.context() as m:
        m.setattr(parallel, "_extract", lambda *a: pytest.fail("parsed a cached file"))
        assert findings(check(small, monkeypatch).stdout) == SMALL_FINDINGS
