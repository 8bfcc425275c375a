"""Random package structures for the resolution fuzz test (tests/test_structure_fuzz.py),
and a reference resolver to compare the index with.

A tree is a ``torchvision/ops`` package of a few modules whose bodies are drawn from the
statements that make module graphs hard: re-exports (``from .a import x``, absolute and
aliased), star imports with and without ``__all__``, aliases (``x = y``, ``x = a.y``),
self-imports, imports of modules that do not exist, classes whose bases are any of
those names, a module beside a package of the same name (``a.py`` and ``a/``), and
links to other files of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from tvusage_lint.python.index import Index, Module

MODULES = ("a", "b", "c", "d")  # under torchvision/ops; "gone" is imported, never written
NAMES = ("x", "y", "z", "_p")
BASES = ("nn.Module", "object", *NAMES, "a.x", "b.y", "ops.z")


@dataclass(frozen=True)
class Tree:
    files: dict[str, str]  # path under the root → text
    links: dict[str, str] = field(default_factory=dict)  # link path → target, both under root


def _module_ref(draw: st.DrawFn) -> str:
    return draw(st.sampled_from((*MODULES, "gone")))


@st.composite
def statements(draw: st.DrawFn) -> str:
    n, m = draw(st.sampled_from(NAMES)), _module_ref(draw)
    other = draw(st.sampled_from(NAMES))
    kind = draw(st.integers(0, 13))
    if kind == 13:  # the logging helper, defined in more than one module
        return "def _log_api_usage_once(obj):\n    pass\n"
    if kind == 0:
        return f"def {n}(t):\n    return t\n"
    if kind == 1:
        return f"class {n}({draw(st.sampled_from(BASES))}):\n    pass\n"
    if kind == 2:
        return f"from .{m} import {n}\n"
    if kind == 3:
        return f"from .{m} import {other} as {n}\n"
    if kind == 4:
        return f"from torchvision.ops.{m} import {n}\n"
    if kind == 5:
        return f"from .{m} import *\n"
    if kind == 6:
        return "from . import *\n"
    if kind == 7:
        return f"from . import {m}\n"
    if kind == 8:
        return f"{n} = {other}\n"
    if kind == 9:
        return f"{n} = {m}.{other}\n"
    if kind == 10:
        listed = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        return f"__all__ = {listed!r}\n"
    if kind == 11:
        return "from torch import nn\nimport torchvision.ops\n"
    return f"from torchvision.ops import {n}\n"


def bodies(max_size: int = 6) -> st.SearchStrategy[str]:
    return st.lists(statements(), max_size=max_size).map("".join)


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    files: dict[str, str] = {"torchvision/__init__.py": "", "torchvision/ops/__init__.py": ""}
    files["torchvision/ops/__init__.py"] = draw(bodies())
    for name in draw(st.lists(st.sampled_from(MODULES), min_size=1, unique=True)):
        files[f"torchvision/ops/{name}.py"] = draw(bodies())
    if draw(st.booleans()):  # a package beside a module of the same name
        name = draw(st.sampled_from(MODULES))
        files[f"torchvision/ops/{name}/__init__.py"] = draw(bodies(3))
        files[f"torchvision/ops/{name}/inner.py"] = draw(bodies(3))
    links: dict[str, str] = {}
    written = sorted(p for p in files if p.startswith("torchvision/ops/") and p.count("/") == 2)
    for name in draw(st.lists(st.sampled_from(MODULES), max_size=2, unique=True)):
        link = f"torchvision/ops/{name}.py"
        targets = [p for p in written if p != link and p.endswith(".py")]
        if link in files or not targets:
            continue
        links[link] = draw(st.sampled_from(targets))
    return Tree(files, links)


# --- the reference: the same equations, solved by iterating over all pairs until
# nothing changes (obviously a fixpoint, slow: fine on a few modules) -------------------

UNKNOWN = "<unknown>"


class Reference:
    """What each (module, name) is: the least fixpoint of the resolution equations,
    found by plain iteration from "unknown" everywhere. A pair still unknown at the end
    depends on itself: unresolved (None)."""

    def __init__(self, index: Index) -> None:
        self.modules = index.modules
        self.table: dict[tuple[str, str], str | None] = {}

    def solve(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        for pair in pairs:
            self.table.setdefault(pair, UNKNOWN)
        changed = True
        while changed:  # each pair changes at most once: unknown → its answer
            size, changed = len(self.table), False
            for pair in list(self.table):
                value = self.equation(self.modules[pair[0]], pair[1])
                if value != self.table[pair]:
                    self.table[pair] = value
                    changed = True
            changed = changed or len(self.table) != size  # a pair read for the first time
        return {p: None if v == UNKNOWN else v for p, v in self.table.items() if p in pairs}

    def read(self, module: str, name: str) -> str | None:
        if (module, name) not in self.table:
            self.table[(module, name)] = UNKNOWN  # solved on the next sweep
        return self.table[(module, name)]

    def equation(self, module: Module, name: str) -> str | None:
        if name in module.defined:
            return f"{module.name}.{name}"
        bound = module.bindings.get(name)
        if bound is not None:
            if ":" in bound:
                target = bound.split(":", 1)[1]
                head, _, rest = target.partition(".")
                if head == name:
                    return None
                found = self.read(module.name, head)
                if found == UNKNOWN:
                    return UNKNOWN
                full = f"builtins.{head}" if found is None else found
                return self.follow(f"{full}.{rest}") if rest else full
            return self.follow(bound)
        if module.is_package and f"{module.name}.{name}" in self.modules:
            return f"{module.name}.{name}"
        if name.startswith("_"):
            return None
        for star in module.star_imports:
            source = self.modules.get(star)
            if source is None or (source.all_set is not None and name not in source.all_set):
                continue
            found = self.read(star, name)
            if found is not None:
                return found  # a name, or unknown: an earlier source decides first
        return None

    def follow(self, qualified: str) -> str | None:
        while qualified not in self.modules:
            parts = qualified.split(".")
            cuts = [c for c in range(1, len(parts)) if ".".join(parts[:c]) in self.modules]
            if not cuts:
                return qualified
            cut = cuts[-1]
            prefix, head, rest = ".".join(parts[:cut]), parts[cut], parts[cut + 1 :]
            found = self.read(prefix, head)
            if found == UNKNOWN:
                return UNKNOWN
            if found is None:
                return qualified
            if not rest or found == f"{prefix}.{head}":
                return ".".join([found, *rest])
            qualified = ".".join([found, *rest])
        return qualified


def all_pairs(index: Index) -> list[tuple[str, str]]:
    """Every module with every name of the pool, and every name a module binds."""
    pairs = set()
    for module in index.modules.values():
        names = {*NAMES, *MODULES, "gone", *module.defined, *module.bindings}
        pairs.update((module.name, n) for n in names)
    return sorted(pairs)
