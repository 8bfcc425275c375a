"""The events catalogue: every string the tree can pass to ``torch._C._log_api_usage_once``.

This is the denominator of usage analytics (which APIs are never used), so it
lists every logging call, not only the entry points', each at the string the code
emits today (python/emission.py evaluates outdated forms with the tree's own
helper). ``kind`` says why a row is there:

- ``entry``: an entry point (coverage ``logged``) emitting through its own call;
- ``inherited``: a class whose construction runs a base's ``_log_api_usage_once(self)``
  (``via`` names the base): every such class emits its own name, entry point or
  building block;
- ``base``: a class that is no entry point and logs ``self``, which subclasses
  inherit: it emits its own event when instantiated itself;
- ``extra``: any other call (a non-entry-point class or function that logs, a
  C++ macro outside the registered entry points).

A string that cannot be known statically is ``event: None`` with the call's
``expression``. An event string emitted by two symbols is reported as a duplicate:
a wrong argument (``_log_api_usage_once(nms)`` inside ``box_area``) or a wrong C++
literal emits another entry point's event.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tvusage_lint import __version__
from tvusage_lint.core.entries import INHERITED, KIND_CLASS, KIND_CPP, KIND_OPERATOR, LOGGED, Entry

if TYPE_CHECKING:
    from tvusage_lint.python.emission import Emitted
    from tvusage_lint.python.facts import HelperFact, LogCall
    from tvusage_lint.python.index import Index, Module

LANGUAGE_PYTHON = "python"
LANGUAGE_CPP = "cpp"
KIND_ENTRY = "entry"
KIND_INHERITED = "inherited"
KIND_BASE = "base"
KIND_EXTRA = "extra"
KINDS = (KIND_ENTRY, KIND_INHERITED, KIND_BASE, KIND_EXTRA)
FIELDS = (
    "event",
    "symbol",
    "kind",
    "language",
    "subpackage",
    "path",
    "line",
    "via",
    "symbol_kind",
    "expression",
    "call_path",
    "call_line",
    "calls",
)
_PRIORITY = {KIND_ENTRY: 0, KIND_BASE: 1, KIND_EXTRA: 2, KIND_INHERITED: 3}


@dataclass(frozen=True)
class Event:
    event: str | None  # the string emitted at run time; None when it cannot be known
    symbol: str  # what emits it (qualified Python name or qualified C++ name)
    kind: str  # KINDS
    language: str  # LANGUAGE_PYTHON / LANGUAGE_CPP
    subpackage: str
    path: str  # where ``symbol`` is defined
    line: int
    via: str  # the base whose call emits it (inherited events), else ""
    symbol_kind: str = ""  # class / function / module / cpp
    expression: str = ""  # the call as written, when ``event`` is None
    call_path: str = ""  # the logging call that emits it (the first, when several do)
    call_line: int = 0
    calls: tuple[str, ...] = ()  # every call that emits it, ``path:line``, sorted

    @property
    def key(self) -> str:
        """What identifies the event in usage data (an unknown one by its expression)."""
        return self.event if self.event is not None else f"<{self.expression}>"

    def sort_key(self) -> tuple[str, str, str, int]:
        return (self.key, self.symbol, self.path, self.line)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {name: getattr(self, name) for name in FIELDS}
        data["via"] = self.via or None
        data["expression"] = self.expression or None
        data["calls"] = list(self.calls)
        return data


@dataclass(frozen=True)
class Duplicate:
    """One event string emitted by more than one symbol."""

    event: str
    symbols: tuple[str, ...]  # sorted

    def to_json(self) -> dict[str, object]:
        return {"event": self.event, "symbols": list(self.symbols)}


@dataclass(frozen=True)
class Catalogue:
    events: tuple[Event, ...]
    duplicates: tuple[Duplicate, ...]


def emits(entry: Entry) -> bool:
    """Whether an entry point emits an event of its own (a status filter: new
    statuses emit nothing until this says otherwise). An operator never does: its
    event is emitted by its C++ front end's or its Python caller's own entry."""
    return entry.status in (LOGGED, INHERITED) and entry.kind != KIND_OPERATOR


def language_of(entry: Entry) -> str:
    return LANGUAGE_CPP if entry.kind == KIND_CPP else LANGUAGE_PYTHON


def catalogue(
    entries: Iterable[Entry], index: Index | None = None, cpp: Iterable[tuple] = ()
) -> Catalogue:
    """Events of a run: ``entries`` (``Result.entries``) say which symbols are entry
    points; ``index`` (``Result.index``) holds every Python logging call and ``cpp``
    (``Result.cpp``: (SourceFile, CppFacts) of the reported C++ files) every macro.
    Without an index only the entry points are listed (their expected events)."""
    entries = list(entries)
    if index is None:
        rows = [_entry_row(entry) for entry in entries if emits(entry)]
    else:
        rows = _python_rows(entries, index) + _cpp_rows(entries, cpp)
    events = _unique(rows)
    return Catalogue(tuple(events), duplicates(events))


def _entry_row(entry: Entry) -> Event:
    inherited = entry.status == INHERITED
    return Event(
        event=entry.emits or entry.event,
        symbol=entry.symbol,
        kind=KIND_INHERITED if inherited else KIND_ENTRY,
        language=language_of(entry),
        subpackage=entry.subpackage,
        path=entry.path,
        line=entry.line,
        via=entry.via if inherited else "",
        symbol_kind=entry.kind,
        call_path=entry.path,
        call_line=entry.line,
    )


def _unique(rows: list[Event]) -> list[Event]:
    """One row per (event, symbol): a class that logs itself and inherits a call too
    emits one string, listed for the reason that matters most (its own call)."""
    best: dict[tuple[str, str], Event] = {}
    calls: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for row in rows:
        key = (row.key, row.symbol)
        calls.setdefault(key, set()).add((row.call_path, row.call_line))
        old = best.get(key)
        if old is None or (_PRIORITY[row.kind], row.call_line) < (
            _PRIORITY[old.kind],
            old.call_line,
        ):
            best[key] = row
    return sorted(
        (
            replace(row, calls=tuple(f"{p}:{n}" for p, n in sorted(calls[key])))
            for key, row in best.items()
        ),
        key=Event.sort_key,
    )


def duplicates(events: Iterable[Event]) -> tuple[Duplicate, ...]:
    by_event: dict[str, set[str]] = {}
    for event in events:
        if event.event is not None:
            by_event.setdefault(event.event, set()).add(event.symbol)
    return tuple(
        Duplicate(name, tuple(sorted(symbols)))
        for name, symbols in sorted(by_event.items())
        if len(symbols) > 1
    )


# --- Python: every logging call, evaluated -------------------------------------------------


def _python_rows(entries: list[Entry], index: Index) -> list[Event]:
    from tvusage_lint.python import emission
    from tvusage_lint.python import facts as F

    entry_points = {
        e.symbol: e for e in entries if emits(e) and e.kind != KIND_CPP and e.kind != KIND_OPERATOR
    }
    children = _children(index)
    rows: list[Event] = []
    for module in index.modules.values():
        if not module.report or module.facts.error:
            continue
        lookup = _lookup(index, module)
        for call in module.facts.log_calls:
            helper = None if call.form == F.FORM_TORCH_C else _helper(index, module, call)
            owner = f"{module.name}.{call.owner_class}" if call.owner_class else ""
            method = call.owner.rpartition(".")[2]
            expanded = (
                call.scope == F.SCOPE_METHOD
                and owner
                and index.class_fact(owner) is not None
                and _uses_self(call)
            )
            if not expanded:
                symbol, symbol_kind, line = _owner(index, module, call)
                outcome = emission.evaluate(call, helper, {}, lookup)
                if outcome.emits:
                    kind = KIND_ENTRY if symbol in entry_points else KIND_EXTRA
                    rows.append(_row(outcome, call, module, symbol, kind, symbol_kind, line, ""))
                continue
            runners = _runners(index, children, owner, method)
            for cls in runners:
                found = index.class_fact(cls)
                assert found is not None
                cls_module, fact = found
                if not cls_module.report:
                    continue
                this = emission.Value(emission.INSTANCE, module=cls_module.name, name=fact.name)
                outcome = emission.evaluate(call, helper, {"self": this}, lookup)
                if not outcome.emits:
                    continue
                if cls != owner:
                    kind, via = KIND_INHERITED, owner
                elif cls in entry_points:
                    kind, via = KIND_ENTRY, ""
                else:
                    kind, via = (KIND_BASE if len(runners) > 1 else KIND_EXTRA), ""
                row = _row(outcome, call, module, cls, kind, KIND_CLASS, fact.first_line, via)
                rows.append(replace(row, path=cls_module.display, subpackage=cls_module.scope))
    return rows


def _row(
    outcome: Emitted,
    call: LogCall,
    module: Module,
    symbol: str,
    kind: str,
    symbol_kind: str,
    line: int,
    via: str,
) -> Event:
    from tvusage_lint.python import emission

    return Event(
        event=outcome.event,
        symbol=symbol,
        kind=kind,
        language=LANGUAGE_PYTHON,
        subpackage=module.scope,
        path=module.display,
        line=line,
        via=via,
        symbol_kind=symbol_kind,
        expression="" if outcome.event is not None else emission.expression(call),
        call_path=module.display,
        call_line=call.span.line,
    )


def _uses_self(call: LogCall) -> bool:
    from tvusage_lint.python import facts as F

    return any(
        kind == F.PART_NAME and text.split(".")[0] == "self"
        for parts in call.args
        for kind, text in parts
    )


def _owner(index: Index, module: Module, call: LogCall) -> tuple[str, str, int]:
    """(symbol, symbol kind, definition line) of the code around a call."""
    if call.owner_class:
        found = index.class_fact(f"{module.name}.{call.owner_class}")
        if found is not None:
            return f"{module.name}.{call.owner_class}", KIND_CLASS, found[1].first_line
    if call.owner:
        function = index.function_fact(f"{module.name}.{call.owner}")
        line = function[1].first_line if function else call.span.line
        return f"{module.name}.{call.owner}", "function", line
    return module.name, "module", call.span.line


def _helper(index: Index, module: Module, call: LogCall) -> HelperFact | None:
    """The definition of the helper ``call`` names: through the module's imports, else
    the project's one; None when the tree defines none (emission.builtin_helper)."""
    from tvusage_lint.python import facts as F

    name = call.callee
    target = index.resolve(module, name)
    found = index.function_fact(target)
    if found is not None and found[0].facts.helper is not None:
        return found[0].facts.helper
    if module.facts.helper is not None and name == F.HELPER:
        return module.facts.helper
    home = index.modules.get(index.helper_module)
    return home.facts.helper if home is not None else None


def _lookup(index: Index, module: Module):
    """A free name at a call site → the project class or function it names; None for
    anything else (a local, an attribute, a name from another package: its ``__module__``
    and whether it is a function are not known without importing it)."""
    from tvusage_lint.python import emission

    def lookup(name: str):
        target = index.resolve(module, name)
        found = index.split(target)
        if found is None:
            return None
        where, short = found
        kind = emission.CLASS if index.class_fact(target) else emission.FUNCTION
        return emission.Value(kind, module=where.name, name=short)

    return lookup


def _children(index: Index) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for module in index.modules.values():
        for cls in module.facts.classes:
            if cls.nested:
                continue
            qualified = f"{module.name}.{cls.name}"
            for base in index.bases(module, cls):
                if index.class_fact(base) is not None:
                    out.setdefault(base, []).append(qualified)
    return out


def _runners(index: Index, children: dict[str, list[str]], owner: str, method: str) -> list[str]:
    """``owner`` and every project class whose instances run ``owner.method``: subclasses
    without their own ``method`` (or, for ``__init__``, calling ``super().__init__``)."""
    out = [owner]
    seen = {owner}
    stack = [owner]
    while stack:
        current = stack.pop()
        for child in children.get(current, ()):
            if child in seen:
                continue
            found = index.class_fact(child)
            if found is None:
                continue
            fact = found[1]
            if method == "__init__":
                reaches = fact.init is None or fact.init.calls_super_init
            else:
                reaches = method not in fact.methods
            if reaches:
                seen.add(child)
                out.append(child)
                stack.append(child)
    return out


# --- C++: every macro of the reported units ------------------------------------------------


def _cpp_rows(entries: list[Entry], cpp: Iterable[tuple]) -> list[Event]:
    from tvusage_lint.cpp.rules import subpackage_of

    logged = {(e.path, e.symbol) for e in entries if e.kind == KIND_CPP and e.status == LOGGED}
    rows: list[Event] = []
    for source, facts in cpp:
        if not source.report or getattr(facts, "error", ""):
            continue
        for function in facts.functions:
            for call in function.logs:
                kind = KIND_ENTRY if (source.display, function.qualname) in logged else KIND_EXTRA
                rows.append(
                    Event(
                        event=call.event,
                        symbol=function.qualname,
                        kind=kind,
                        language=LANGUAGE_CPP,
                        subpackage=subpackage_of(source.csrc_rel),
                        path=source.display,
                        line=function.line,
                        via="",
                        symbol_kind=KIND_CPP,
                        expression="" if call.event is not None else call.arg_text,
                        call_path=source.display,
                        call_line=call.line,
                    )
                )
    return rows


# --- output -------------------------------------------------------------------------------


def to_json(cat: Catalogue) -> str:
    data = {
        "version": __version__,
        "events": [e.to_json() for e in cat.events],
        "duplicates": [d.to_json() for d in cat.duplicates],
    }
    return json.dumps(data, indent=2) + "\n"


def _csv_row(e: Event) -> list[object]:
    return [
        "" if e.event is None else e.event,
        e.symbol,
        e.kind,
        e.language,
        e.subpackage,
        e.path,
        e.line,
        e.via,
        e.symbol_kind,
        e.expression,
        e.call_path,
        e.call_line,
        " ".join(e.calls),
    ]


def to_csv(cat: Catalogue) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for e in cat.events:
        writer.writerow(_csv_row(e))
    return out.getvalue()


def shown(e: Event) -> str:
    return e.event if e.event is not None else f"? {e.expression}"


def to_text(cat: Catalogue) -> str:
    lines = []
    for e in cat.events:
        why = f"  (via {e.via})" if e.via else f"  [{e.kind}]" if e.kind != KIND_ENTRY else ""
        lines.append(f"{shown(e)}  {e.path}:{e.line}{why}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(cat: Catalogue) -> list[str]:
    """Per subpackage and language: events by kind (the text footer)."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for e in cat.events:
        row = counts.setdefault((e.language, e.subpackage or "-"), dict.fromkeys(KINDS, 0))
        row[e.kind] += 1
    head = " ".join(f"{k:>9}" for k in KINDS)
    lines = [f"{'language':<8} {'subpackage':<12} {head}"]
    for (language, sub), row in sorted(counts.items()):
        lines.append(f"{language:<8} {sub:<12} " + " ".join(f"{row[k]:>9}" for k in KINDS))
    total = len(cat.events)
    unknown = sum(1 for e in cat.events if e.event is None)
    lines.append(
        f"{total} event{'s' if total != 1 else ''} ({unknown} unknown), "
        f"{len(cat.duplicates)} duplicated."
    )
    return lines


def duplicate_warnings(cat: Catalogue) -> list[str]:
    return [
        f"event `{d.event}` is emitted by {len(d.symbols)} symbols: {', '.join(d.symbols)}"
        for d in cat.duplicates
    ]


# --- a saved catalogue (events --compare) ------------------------------------------------------


class CatalogueError(ValueError):
    """A file that is not an ``events --format json`` catalogue (one line for the user)."""


def load(path: Path) -> Catalogue:
    """A catalogue saved by ``events --format json`` (any version of it: fields added
    since are optional, an older ``kind`` of class/function/cpp reads as ``entry``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path}: not JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise CatalogueError(f"{path}: not an `events --format json` catalogue (no `events` list)")
    rows: list[Event] = []
    for number, item in enumerate(data["events"], 1):
        try:
            rows.append(_from_json(item))
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueError(f"{path}: event {number} is malformed ({exc})") from None
    events = sorted(rows, key=Event.sort_key)
    return Catalogue(tuple(events), duplicates(events))


def _text(item: dict, name: str, default: str | None = None) -> str:
    value = item.get(name, default)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"`{name}` is not a string")
    return value


def _from_json(item: object) -> Event:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    event = item["event"]
    if event is not None and not isinstance(event, str):
        raise TypeError("`event` is not a string")
    line = item.get("line", 0)
    call_line = item.get("call_line", 0) or 0
    if not isinstance(line, int) or not isinstance(call_line, int):
        raise TypeError("`line` is not a number")
    kind = _text(item, "kind", KIND_ENTRY)
    if kind not in KINDS:  # a catalogue of before event kinds: kind was the symbol's
        kind = KIND_INHERITED if item.get("via") else KIND_ENTRY
    return Event(
        event=event,
        symbol=_text(item, "symbol") or "",
        kind=kind,
        language=_text(item, "language", LANGUAGE_PYTHON),
        subpackage=_text(item, "subpackage", ""),
        path=_text(item, "path", ""),
        line=line,
        via=_text(item, "via", ""),
        symbol_kind=_text(item, "symbol_kind", ""),
        expression=_text(item, "expression", ""),
        call_path=_text(item, "call_path", ""),
        call_line=call_line,
        calls=tuple(str(c) for c in item.get("calls") or ()),
    )


# --- events added, removed and renamed since a base ------------------------------------------


@dataclass(frozen=True)
class Rename:
    """The same symbol emitting another string: for a dashboard, a series that stops
    and a new one that starts."""

    symbol: str
    old: Event  # as it was in the base
    new: Event

    def to_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "old": self.old.event,
            "new": self.new.event,
            "old_expression": self.old.expression or None,
            "new_expression": self.new.expression or None,
            "kind": self.new.kind,
            "language": self.new.language,
            "subpackage": self.new.subpackage,
            "path": self.new.path,
            "line": self.new.line,
        }

    def text(self) -> str:
        return f"{self.symbol}: {shown(self.old)} -> {shown(self.new)}"


@dataclass(frozen=True)
class EventDiff:
    base: str  # the merge base commit ("" when compared with a saved catalogue)
    added: tuple[Event, ...]
    removed: tuple[Event, ...]  # as they were in the base tree
    renamed: tuple[Rename, ...] = ()
    compare: str = ""  # the saved catalogue compared with (``events --compare``)

    @property
    def label(self) -> str:
        return self.compare or self.base[:12]

    @property
    def lost(self) -> bool:
        """An event disappeared or changed string (``--fail-on-removed``)."""
        return bool(self.removed or self.renamed)


def diff(old: Catalogue, new: Catalogue, base: str = "", compare: str = "") -> EventDiff:
    """Per symbol first: a symbol that emits another string than before is a rename
    (old → new), even when the old string is still emitted elsewhere (its count there
    changes). The rest is compared by event string, the key of the usage data: an
    entry point that moves keeps its event; a renamed module's events are removed and
    added (the symbol changed too)."""
    old_by: dict[str, dict[str, Event]] = {}
    new_by: dict[str, dict[str, Event]] = {}
    for events, by in ((old.events, old_by), (new.events, new_by)):
        for e in events:
            by.setdefault(e.symbol, {}).setdefault(e.key, e)
    renamed: list[Rename] = []
    paired: set[tuple[str, str]] = set()  # (symbol, key) on either side of a rename
    for symbol in sorted(old_by.keys() & new_by.keys()):
        before, after = old_by[symbol], new_by[symbol]
        gone = sorted(before.keys() - after.keys())
        came = sorted(after.keys() - before.keys())
        for old_key, new_key in zip(gone, came):
            renamed.append(Rename(symbol, before[old_key], after[new_key]))
            paired |= {(symbol, old_key), (symbol, new_key)}
    old_keys = {e.key for e in old.events}
    new_keys = {e.key for e in new.events}
    return EventDiff(
        base=base,
        added=tuple(
            e for e in new.events if e.key not in old_keys and (e.symbol, e.key) not in paired
        ),
        removed=tuple(
            e for e in old.events if e.key not in new_keys and (e.symbol, e.key) not in paired
        ),
        renamed=tuple(renamed),
        compare=compare,
    )


def renames(before: Catalogue, after: Catalogue) -> tuple[Rename, ...]:
    """The event renames between two catalogues of one tree (what a fix changed)."""
    return diff(before, after).renamed


def renames_to_json(found: Iterable[Rename]) -> list[dict[str, object]]:
    return [r.to_json() for r in found]


def renames_to_text(found: Iterable[Rename]) -> list[str]:
    found = list(found)
    if not found:
        return []
    lines = [f"Event renames ({len(found)}): dashboards keyed on the old string stop counting."]
    lines += [f"  {r.text()}" for r in found]
    return lines


def diff_to_json(d: EventDiff) -> str:
    data = {
        "version": __version__,
        "base": d.base or None,
        "compare": d.compare or None,
        "added": [e.to_json() for e in d.added],
        "removed": [e.to_json() for e in d.removed],
        "renamed": renames_to_json(d.renamed),
    }
    return json.dumps(data, indent=2) + "\n"


def diff_to_csv(d: EventDiff) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("change", *FIELDS, "old_event"))
    for change, group in (("added", d.added), ("removed", d.removed)):
        for e in group:
            writer.writerow([change, *_csv_row(e), ""])
    for r in d.renamed:
        writer.writerow(["renamed", *_csv_row(r.new), "" if r.old.event is None else r.old.event])
    return out.getvalue()


def diff_to_text(d: EventDiff) -> str:
    """One row per symbol; the last line counts distinct event strings and renames."""
    lines = [f"+ {shown(e)}  {e.path}:{e.line}" for e in d.added]
    lines += [f"- {shown(e)}  {e.path}:{e.line} (in {d.label})" for e in d.removed]
    lines += [f"~ {r.text()}  {r.new.path}:{r.new.line}" for r in d.renamed]
    added = len({e.key for e in d.added})
    removed = len({e.key for e in d.removed})
    renamed = len(d.renamed)
    lines.append(
        f"{added} event{'s' if added != 1 else ''} added, {removed} removed, "
        f"{renamed} renamed since {d.label}."
    )
    return "\n".join(lines) + "\n"
