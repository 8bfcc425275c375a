"""Settings: the torchvision preset, ``[tool.tvusage-lint]`` and command-line overrides.

The preset is data. It says, per subpackage, which kind of classes and
functions are entry points; the rules derive the actual symbols from the code
(``__all__``, ancestry, builders, functional modules), never from name lists.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tvusage_lint.core import codes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# the read cap (``reading.read_regular``) when no setting gives one: a larger file is a TVU001
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024  # bytes; config key ``max-file-size``

CLASS_POLICIES = ("none", "public", "modules", "main-modules", "datasets")
FUNCTION_POLICIES = ("none", "public", "functional")


class ConfigError(Exception):
    """A configuration mistake; the message names the file and key."""


@dataclass(frozen=True)
class ScopePolicy:
    """What must log in one subpackage (``models``, ``ops``, ...)."""

    classes: str = "public"
    functions: str = "public"
    twins: bool = False  # class ↔ functional twin must both log (ops)
    ignore: frozenset[str] = frozenset()
    strict: bool | None = None


# The torchvision preset (SPEC §1): one row per subpackage of the policy table.
PRESET_SCOPES: dict[str, ScopePolicy] = {
    "models": ScopePolicy(classes="main-modules", functions="none"),
    "transforms": ScopePolicy(classes="public", functions="functional"),
    "ops": ScopePolicy(classes="modules", functions="public", twins=True),
    "datasets": ScopePolicy(classes="datasets", functions="none"),
    "io": ScopePolicy(classes="public", functions="public"),
    "utils": ScopePolicy(classes="none", functions="public"),
}

# External bases (qualified, fnmatch globs) that give a class its kind.
MODULE_BASES = ("torch.nn.*",)
DATASET_BASES = ("torch.utils.data.*Dataset", "torch.utils.data.dataset.*Dataset")
NON_API_BASES = (
    "enum.*",
    "builtins.*Exception",
    "builtins.*Error",
    "builtins.*Warning",
    "typing.NamedTuple",
    "typing.TypedDict",
    "typing.Protocol",
    "typing_extensions.*",
)

# A "public" class is an entry point when it has behaviour. Data holders are not:
# classes whose own methods are only these (and whose project bases are data holders
# too), and classes made by these decorators.
DATA_METHODS = (
    "__init__",
    "__post_init__",
    "__repr__",
    "__str__",
    "__eq__",
    "__ne__",
    "__hash__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
)
DATA_DECORATORS = ("dataclasses.dataclass",)

KNOWN_KEYS = {
    "select",
    "ignore",
    "exempt",
    "strict",
    "require-tracing-guard",
    "scopes",
    "per-subpackage",
    "cpp-include",
    "cpp-exclude",
    "extend-exclude",
    "baseline",
    "max-file-size",
}
SCOPE_KEYS = {"classes", "functions", "twins", "ignore", "strict"}


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] = field(default_factory=codes.default_codes)
    exempt: tuple[str, ...] = ()
    strict: bool = False
    scopes: tuple[tuple[str, ScopePolicy], ...] = tuple(PRESET_SCOPES.items())
    cpp_include: tuple[str, ...] = ("*.cpp", "*.cu", "*.mm", "*.h", "*.cc", "*.cuh", "*.hpp")
    cpp_exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    module_bases: tuple[str, ...] = MODULE_BASES
    dataset_bases: tuple[str, ...] = DATASET_BASES
    non_api_bases: tuple[str, ...] = NON_API_BASES
    data_methods: tuple[str, ...] = DATA_METHODS
    data_decorators: tuple[str, ...] = DATA_DECORATORS
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; a larger file is a TVU001
    source: str = ""  # the config file the settings came from, for messages
    baseline: str = ""  # baseline file (absolute, or relative to the working directory)

    @property
    def require_tracing_guard(self) -> bool:
        return "TVU208" in self.select

    def scope(self, name: str) -> ScopePolicy | None:
        for key, policy in self.scopes:
            if key == name:
                return policy
        return None

    def enabled(self, code: str, scope: str = "") -> bool:
        if code not in self.select:
            return False
        policy = self.scope(scope) if scope else None
        return not (policy and code in policy.ignore)

    def strict_for(self, scope: str) -> bool:
        policy = self.scope(scope)
        if policy is not None and policy.strict is not None:
            return policy.strict
        return self.strict

    def is_exempt(self, qualname: str) -> bool:
        return any(fnmatch.fnmatchcase(qualname, pattern) for pattern in self.exempt)

    def fingerprint(self) -> str:
        """Stable hash of everything that changes results (the cache key)."""
        data = asdict(self)
        data.pop("source", None)
        blob = json.dumps(data, sort_keys=True, default=sorted)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.tvusage-lint]`` table, walking up."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "tvusage-lint" in text:
                return candidate
    return None


def load(path: Path | None, *, explicit: bool = False) -> Settings:
    """Settings from ``path`` (a pyproject.toml or a plain TOML file), else the preset."""
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("tvusage-lint")
    if table is None:
        if path.name == "pyproject.toml" or not explicit:
            table = {}
        else:
            table = data  # a dedicated config file holds the keys at top level
    return from_table(table, str(path))


def _strings(value: object, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return list(value)


def _bool(value: object, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: `{key}` must be true or false")
    return value


def from_table(table: dict[str, object], where: str) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.tvusage-lint] must be a table")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key `{unknown[0]}` in [tool.tvusage-lint] "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    settings = Settings(source=where)
    try:
        select = (
            codes.expand(_strings(table["select"], "select", where), what=f"{where}: select")
            if "select" in table
            else set(settings.select)
        )
        if "ignore" in table:
            select -= codes.expand(
                _strings(table["ignore"], "ignore", where), what=f"{where}: ignore"
            )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if table.get("require-tracing-guard") is not None:
        if _bool(table["require-tracing-guard"], "require-tracing-guard", where):
            select.add("TVU208")
        else:
            select.discard("TVU208")
    scopes = dict(PRESET_SCOPES)
    if "scopes" in table:
        names = _strings(table["scopes"], "scopes", where)
        scopes = {name: PRESET_SCOPES.get(name, ScopePolicy()) for name in names}
    overrides = table.get("per-subpackage", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where}: `per-subpackage` must be a table of tables")
    for name, override in overrides.items():
        scopes[name] = _scope_override(scopes.get(name, ScopePolicy()), override, name, where)
    return replace(
        settings,
        select=frozenset(select),
        exempt=tuple(_strings(table.get("exempt", []), "exempt", where)),
        strict=_bool(table.get("strict", False), "strict", where),
        scopes=tuple(scopes.items()),
        cpp_include=tuple(_strings(table["cpp-include"], "cpp-include", where))
        if "cpp-include" in table
        else settings.cpp_include,
        cpp_exclude=tuple(_strings(table.get("cpp-exclude", []), "cpp-exclude", where)),
        extend_exclude=tuple(_strings(table.get("extend-exclude", []), "extend-exclude", where)),
        baseline=_baseline(table.get("baseline"), where),
        max_file_size=_size(table.get("max-file-size", DEFAULT_MAX_FILE_SIZE), where),
    )


def _baseline(value: object, where: str) -> str:
    """The ``baseline`` key: a path relative to the config file's folder."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: `baseline` must be a path (relative to the config file)")
    return str(Path(where).parent / value) if not Path(value).is_absolute() else value


def _size(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: `max-file-size` must be a positive number of bytes")
    return value


def _scope_override(base: ScopePolicy, override: object, name: str, where: str) -> ScopePolicy:
    key = f"per-subpackage.{name}"
    if not isinstance(override, dict):
        raise ConfigError(f"{where}: `{key}` must be a table")
    unknown = sorted(set(override) - SCOPE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key `{key}.{unknown[0]}` (known: {', '.join(sorted(SCOPE_KEYS))})"
        )
    policy = base
    if "classes" in override:
        if override["classes"] not in CLASS_POLICIES:
            raise ConfigError(
                f"{where}: `{key}.classes` must be one of {', '.join(CLASS_POLICIES)}"
            )
        policy = replace(policy, classes=override["classes"])
    if "functions" in override:
        if override["functions"] not in FUNCTION_POLICIES:
            raise ConfigError(
                f"{where}: `{key}.functions` must be one of {', '.join(FUNCTION_POLICIES)}"
            )
        policy = replace(policy, functions=override["functions"])
    if "twins" in override:
        policy = replace(policy, twins=_bool(override["twins"], f"{key}.twins", where))
    if "strict" in override:
        policy = replace(policy, strict=_bool(override["strict"], f"{key}.strict", where))
    if "ignore" in override:
        try:
            ignored = codes.expand(
                _strings(override["ignore"], f"{key}.ignore", where), what=f"{where}: {key}.ignore"
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        policy = replace(policy, ignore=frozenset(ignored))
    return policy


def with_cli(
    settings: Settings,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    extend_select: list[str] | None = None,
    strict: bool | None = None,
) -> Settings:
    """Command-line options on top of the file settings (they win)."""
    chosen = set(settings.select)
    if select:
        chosen = codes.expand(select, what="--select")
    if extend_select:
        chosen |= codes.expand(extend_select, what="--extend-select")
    if ignore:
        chosen -= codes.expand(ignore, what="--ignore")
    out = replace(settings, select=frozenset(chosen))
    if strict is not None:
        out = replace(out, strict=strict)
    return out
