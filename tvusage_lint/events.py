"""The events catalogue: every event string the tree emits at run time.

This is the denominator of usage analytics (which APIs are never used), so it
is built from the coverage rows the policy already derives: an entry point
whose status is ``logged`` emits an event through its own call, an
``inherited`` one through its base's ``_log_api_usage_once(self)``, which logs
the concrete class. Every other status (``missing``, ``exempt``, an operator
recorded by its Python caller, ...) emits nothing of its own.

The event is what the call emits, read statically: a wrong argument
(``_log_api_usage_once(nms)`` inside ``box_area``) or a wrong C++ literal emits
another entry point's event, which is why an event string emitted by two entry
points is reported as a duplicate.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tvusage_lint import __version__
from tvusage_lint.entries import INHERITED, KIND_CPP, KIND_OPERATOR, LOGGED, Entry

if TYPE_CHECKING:
    from tvusage_lint.index import Index

LANGUAGE_PYTHON = "python"
LANGUAGE_CPP = "cpp"
FIELDS = ("event", "symbol", "kind", "language", "subpackage", "path", "line", "via")
_DOTTED = re.compile(r"^[A-Za-z_][\w.]*$")


@dataclass(frozen=True, order=True)
class Event:
    event: str  # the string the entry point emits at run time
    symbol: str  # the entry point (qualified Python name or qualified C++ name)
    kind: str
    language: str  # LANGUAGE_PYTHON / LANGUAGE_CPP
    subpackage: str
    path: str
    line: int
    via: str  # the base whose call emits it (inherited events), else ""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {name: getattr(self, name) for name in FIELDS}
        data["via"] = self.via or None
        return data


@dataclass(frozen=True)
class Duplicate:
    """One event string emitted by more than one entry point."""

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


def catalogue(entries: Iterable[Entry], index: Index | None = None) -> Catalogue:
    """Events of ``entries`` (a run's ``Result.entries``); ``index`` (the run's
    ``Result.index``) lets a Python call's argument be read for what it emits."""
    events = sorted(
        Event(
            event=_emitted(entry, index),
            symbol=entry.symbol,
            kind=entry.kind,
            language=language_of(entry),
            subpackage=entry.subpackage,
            path=entry.path,
            line=entry.line,
            via=entry.via if entry.status == INHERITED else "",
        )
        for entry in entries
        if emits(entry)
    )
    return Catalogue(tuple(events), duplicates(events))


def duplicates(events: Iterable[Event]) -> tuple[Duplicate, ...]:
    by_event: dict[str, set[str]] = {}
    for event in events:
        by_event.setdefault(event.event, set()).add(event.symbol)
    return tuple(
        Duplicate(name, tuple(sorted(symbols)))
        for name, symbols in sorted(by_event.items())
        if len(symbols) > 1
    )


def _emitted(entry: Entry, index: Index | None) -> str:
    """The event string the entry point's call emits; its expected event when
    the call cannot be read (or the event comes through inheritance)."""
    if entry.kind == KIND_CPP:
        return entry.emits or entry.event
    if entry.status != LOGGED or index is None:
        return entry.event
    from tvusage_lint.python import facts as F

    found = index.class_fact(entry.symbol) or index.function_fact(entry.symbol)
    if found is None:
        return entry.event
    module, fact = found
    owner = fact.init.qualname if isinstance(fact, F.ClassFact) and fact.init else fact.qualname
    calls = module.log_calls_by_owner.get(owner, ())
    if not calls:
        return entry.event
    call = calls[0]
    if call.form == F.FORM_OBJECT:
        if call.arg == "self":
            return entry.event
        return index.resolve(module, call.arg)
    if call.form == F.FORM_TWO_ARGS and call.arg.startswith("self."):
        return entry.event  # (self.__module__, self.__class__.__name__): the class itself
    if call.form in (F.FORM_STRING, F.FORM_TORCH_C, F.FORM_TWO_ARGS) and _DOTTED.match(call.arg):
        return call.arg
    return entry.event


# --- output -------------------------------------------------------------------------------


def to_json(cat: Catalogue) -> str:
    data = {
        "version": __version__,
        "events": [e.to_json() for e in cat.events],
        "duplicates": [d.to_json() for d in cat.duplicates],
    }
    return json.dumps(data, indent=2) + "\n"


def to_csv(cat: Catalogue) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for e in cat.events:
        writer.writerow(
            [e.event, e.symbol, e.kind, e.language, e.subpackage, e.path, e.line, e.via]
        )
    return out.getvalue()


def to_text(cat: Catalogue) -> str:
    lines = []
    for e in cat.events:
        via = f"  (via {e.via})" if e.via else ""
        lines.append(f"{e.event}  {e.path}:{e.line}{via}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(cat: Catalogue) -> list[str]:
    """Per subpackage and language: direct and inherited events (the text footer)."""
    counts: dict[tuple[str, str], list[int]] = {}
    for e in cat.events:
        row = counts.setdefault((e.language, e.subpackage or "-"), [0, 0])
        row[1 if e.via else 0] += 1
    lines = [f"{'language':<8} {'subpackage':<12} {'direct':>6} {'inherited':>9}"]
    for (language, sub), (direct, inherited) in sorted(counts.items()):
        lines.append(f"{language:<8} {sub:<12} {direct:>6} {inherited:>9}")
    total = len(cat.events)
    lines.append(f"{total} event{'s' if total != 1 else ''}, {len(cat.duplicates)} duplicated.")
    return lines


def duplicate_warnings(cat: Catalogue) -> list[str]:
    return [
        f"event `{d.event}` is emitted by {len(d.symbols)} entry points: {', '.join(d.symbols)}"
        for d in cat.duplicates
    ]


# --- events added and removed since a base --------------------------------------------------


@dataclass(frozen=True)
class EventDiff:
    base: str  # the merge base commit
    added: tuple[Event, ...]
    removed: tuple[Event, ...]  # as they were in the base tree


def diff(old: Catalogue, new: Catalogue, base: str) -> EventDiff:
    """Compared by event string: that is the key of the usage data; an entry point
    that moves keeps its event, a renamed module's events are removed and added."""
    old_names = {e.event for e in old.events}
    new_names = {e.event for e in new.events}
    return EventDiff(
        base=base,
        added=tuple(e for e in new.events if e.event not in old_names),
        removed=tuple(e for e in old.events if e.event not in new_names),
    )


def diff_to_json(d: EventDiff) -> str:
    data = {
        "version": __version__,
        "base": d.base,
        "added": [e.to_json() for e in d.added],
        "removed": [e.to_json() for e in d.removed],
    }
    return json.dumps(data, indent=2) + "\n"


def diff_to_csv(d: EventDiff) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("change", *FIELDS))
    for change, group in (("added", d.added), ("removed", d.removed)):
        for e in group:
            writer.writerow(
                [change, e.event, e.symbol, e.kind, e.language, e.subpackage, e.path, e.line, e.via]
            )
    return out.getvalue()


def diff_to_text(d: EventDiff) -> str:
    """One row per entry point; the last line counts distinct event strings."""
    lines = [f"+ {e.event}  {e.path}:{e.line}" for e in d.added]
    lines += [f"- {e.event}  {e.path}:{e.line} (in {d.base[:12]})" for e in d.removed]
    added = len({e.event for e in d.added})
    removed = len({e.event for e in d.removed})
    lines.append(
        f"{added} event{'s' if added != 1 else ''} added, {removed} removed since {d.base[:12]}."
    )
    return "\n".join(lines) + "\n"
