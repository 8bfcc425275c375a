"""Where the call of a missing class goes (SPEC §5): one call in a shared base.

torchvision logs once in the in-tree base that a family of entry points
runs (``GeneralizedRCNN`` for ``FasterRCNN``, ``ConvNormActivation`` for
``Conv2dNormActivation`` and ``Conv3dNormActivation``, ``RandomTransforms``
for ``RandomOrder`` and ``RandomChoice``), not once per class. This module
picks that base from the index; the rules turn it into a fix and the
fixer inserts it once, however many findings point at it.

The ``__init__`` chain of a class is the list of project classes whose
``__init__`` runs when it is built: itself when it defines one, then its
first project base while the constructor is absent or calls
``super().__init__``. A base ``B`` in that chain can hold the call for a
missing class ``C`` when

- it is in the same subpackage as ``C`` (a call in another subpackage's code
  is another owner's decision),
- it defines ``__init__``, and
- every other project class that runs ``B.__init__`` is a class entry point
  that does not log yet, or runs the ``__init__`` of one (then a call of
  its own would log it as well: ``models.regnet.SimpleStemIN`` runs
  ``Conv2dNormActivation``). A call in ``B`` logs every class that runs it,
  and a fix must not start logging classes the policy does not name
  (existing extra logging in reusable code is fine, TVU207, but a fix does
  not add it).

Such "clean" bases form the lower part of a chain (whoever runs a base also
runs the bases above it), so classes sharing a base share their highest
clean one. Classes are grouped by it, and the group's call goes into the
nearest base every member reaches. A missing class with no clean base keeps
its own call, unless its chain reaches a base that another fix of the same
run logs in (a class without ``__init__`` can only log through a base), so
no constructor logs twice.
"""

from __future__ import annotations

from tvusage_lint.core.entries import MISSING
from tvusage_lint.python.index import Index

_MAX_DEPTH = 32


def init_chain(index: Index, qualified: str) -> list[str]:
    """The project classes whose ``__init__`` building ``qualified`` runs, nearest first
    (classes without an ``__init__`` of their own are passed through, not listed)."""
    out: list[str] = []
    current = qualified
    for _ in range(_MAX_DEPTH):
        found = index.class_fact(current)
        if found is None or current in out:
            break
        module, cls = found
        if cls.init is not None:
            out.append(current)
            if not cls.init.calls_super_init:
                break
        parents = [b for b in index.bases(module, cls) if index.class_fact(b) is not None]
        if not parents:
            break
        current = parents[0]
    return out


def _scope(index: Index, qualified: str) -> str:
    found = index.split(qualified)
    return found[0].scope if found else ""


def families(
    index: Index, chains: dict[str, list[str]] | None = None
) -> tuple[list[tuple[str, list[str]]], dict[str, set[str]]]:
    """Every top-level project class with its ``__init__`` chain, and for each class
    the other classes whose construction runs its ``__init__`` (its runners)."""
    memo: dict[str, list[str]] = {} if chains is None else chains
    every: list[tuple[str, list[str]]] = []
    runners: dict[str, set[str]] = {}
    for module in index.modules.values():
        for cls in module.facts.classes:
            if cls.nested or module.defined.get(cls.name) is not cls:
                continue
            qualified = f"{module.name}.{cls.name}"
            if qualified not in memo:
                memo[qualified] = init_chain(index, qualified)
            chain = memo[qualified]
            every.append((qualified, chain))
            for host in chain:
                if host != qualified:
                    runners.setdefault(host, set()).add(qualified)
    return every, runners


def choose_hosts(
    index: Index,
    missing: list[str],
    entry_status: dict[str, str],
    chains: dict[str, list[str]] | None = None,
    family: tuple[list[tuple[str, list[str]]], dict[str, set[str]]] | None = None,
) -> dict[str, str]:
    """For each missing class (qualified), the class whose ``__init__`` gets its call.

    ``entry_status`` maps every class entry point to its status; ``missing``
    are the classes to place (not pending on another missing entry point).
    A class maps to itself when it keeps its own call, and is left out when
    nothing can hold one (no ``__init__`` in reach). ``chains`` memoises ``init_chain``
    and ``family`` is ``families``' answer: the server keeps both while no edit changes
    a base or an ``__init__``'s shape."""
    memo: dict[str, list[str]] = {} if chains is None else chains
    every, runners = families(index, memo) if family is None else family
    missing_set = {c for c, status in entry_status.items() if status == MISSING}
    logged_anyway = {  # classes that run a missing class's own __init__
        qualified
        for qualified, chain in every
        if any(c in missing_set for c in chain if c != qualified)
    }

    def chain_of(qualified: str) -> list[str]:
        if qualified not in memo:
            memo[qualified] = init_chain(index, qualified)
        return memo[qualified]

    def clean(base: str) -> bool:
        if base in entry_status:
            return False  # an entry point itself: logged (then nothing is missing) or exempt
        return all(
            entry_status.get(r) == MISSING or r in logged_anyway for r in runners.get(base, ())
        )

    chains = {c: chain_of(c) for c in missing}
    candidates: dict[str, list[str]] = {}
    for cls, chain in chains.items():
        scope = _scope(index, cls)
        bases = [b for b in chain if b != cls]
        usable: list[str] = []
        for base in bases:
            if _scope(index, base) != scope or not clean(base):
                break
            usable.append(base)
        candidates[cls] = usable

    hosts: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for cls, usable in candidates.items():
        if usable:
            groups.setdefault(usable[-1], []).append(cls)
    for members in groups.values():
        shared = set.intersection(*(set(candidates[m]) for m in members))
        nearest = next(b for b in candidates[members[0]] if b in shared)
        for member in members:
            hosts[member] = nearest
    # Without a clean base: a class with no __init__ of its own can log only in the
    # nearest base it runs; the others keep their own call unless they reach one of those.
    for cls, chain in chains.items():
        if cls in hosts or not chain or chain[0] == cls:
            continue
        hosts[cls] = chain[0]
    chosen = set(hosts.values())
    for cls, chain in chains.items():
        if cls in hosts or not chain:
            continue
        hosts[cls] = next((b for b in chain if b in chosen), cls)
    return hosts
