"""Stable ABI or legacy: what one C++ translation unit is built against, from its code.

torchvision ports its operators to the libtorch stable ABI one unit at a time
(pytorch/vision#9533 to #9633). A ported unit includes only
``torch/csrc/stable/*`` and ``torch/headeronly/*``, registers through
``STABLE_TORCH_LIBRARY_FRAGMENT`` / ``STABLE_TORCH_LIBRARY_IMPL`` with
``m.impl("roi_align", TORCH_BOX(&kernel))``, and its front ends call
``torch_call_dispatcher("torchvision::roi_align", ...)``. c10 is out of reach
there, so such a unit cannot call ``C10_LOG_API_USAGE_ONCE``: its operators are
recorded by their Python callers (``tvusage_lint.link``), and the C++ rules
(TVU301-TVU303) leave it alone.

The classification is per translation unit and reads the evidence the unit
itself carries; a tree in the middle of the migration holds both kinds:

- stable: any stable-ABI include, ``STABLE_TORCH_LIBRARY*`` block,
  ``TORCH_BOX`` or ``torch_call_dispatcher`` call. A unit that has both kinds
  of evidence is half ported and counts as stable: c10 code inserted there
  would have to be taken out again by the port;
- legacy: ``ATen/``, ``c10/`` or other ``torch/`` includes, ``TORCH_LIBRARY*``
  blocks, ``RegisterOperators``;
- neither (a helper unit, a vendored C library): ``ABI_UNKNOWN``, checked as
  legacy, which is what the tool did before it knew about the stable ABI.

The C shim (``torch/csrc/inductor/aoti_torch/c/*``) is what the stable ABI is
built on and is included by both kinds: it is no evidence either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ABI_STABLE = "stable"
ABI_LEGACY = "legacy"
ABI_UNKNOWN = ""

STABLE_INCLUDES = ("torch/csrc/stable/", "torch/headeronly/")
NEUTRAL_INCLUDES = ("torch/csrc/inductor/aoti_torch/c/",)
LEGACY_INCLUDES = ("ATen/", "c10/", "torch/")  # after the two lists above


@dataclass(frozen=True)
class Marker:
    """One piece of evidence: an include, a registration macro, a stable-ABI call."""

    text: str  # "torch/csrc/stable/library.h", "STABLE_TORCH_LIBRARY_IMPL", "TORCH_BOX"
    line: int


@dataclass(frozen=True)
class Library:
    """A ``TORCH_LIBRARY``-family block: ``STABLE_TORCH_LIBRARY_IMPL(torchvision, CPU, m) {``."""

    macro: str  # "STABLE_TORCH_LIBRARY_FRAGMENT", "TORCH_LIBRARY_IMPL", ...
    name: str  # the library: "torchvision", "image"
    dispatch_key: str  # "CPU", "CompositeExplicitAutograd"; "" for a def block
    line: int  # the macro's line
    end_line: int  # the line of the block's closing brace

    @property
    def stable(self) -> bool:
        return self.macro.startswith("STABLE_")


@dataclass(frozen=True)
class Kernel:
    """``m.impl("roi_align", TORCH_BOX(&roi_align_forward_kernel))`` (or ``TORCH_FN``)."""

    op: str  # the name as written: "roi_align" or "torchvision::roi_align"
    target: str  # the kernel as written: "roi_align_forward_kernel"
    line: int


@dataclass(frozen=True)
class DispatcherCall:
    """``torch_call_dispatcher("torchvision::roi_align", "", ...)``: a stable front end."""

    op: str  # "torchvision::roi_align" (overload dropped)
    offset: int  # of the call, to find the function that makes it
    line: int


@dataclass(frozen=True)
class Unit:
    """What a translation unit is built against, and its stable registration forms."""

    abi: str = ABI_UNKNOWN  # ABI_STABLE / ABI_LEGACY / ABI_UNKNOWN
    stable: tuple[Marker, ...] = ()  # the evidence for the stable ABI
    legacy: tuple[Marker, ...] = ()  # the evidence for the legacy (c10/ATen) API
    libraries: tuple[Library, ...] = ()
    kernels: tuple[Kernel, ...] = ()
    dispatcher_calls: tuple[DispatcherCall, ...] = ()

    def library_at(self, line: int) -> Library | None:
        """The innermost library block around ``line``."""
        found = None
        for library in self.libraries:
            if library.line <= line <= library.end_line:
                found = library
        return found


_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]', re.M)
_LIBRARY = re.compile(
    r"\b(?P<macro>(?:STABLE_)?TORCH_LIBRARY(?:_FRAGMENT|_IMPL)?)\s*\(\s*(?P<name>\w+)\s*"
    r"(?:,\s*(?P<key>\w+)\s*)?,\s*\w+\s*\)\s*\{"
)
_STABLE_CALL = re.compile(r"\b(TORCH_BOX|torch_call_dispatcher)\s*\(")
_LEGACY_CALL = re.compile(r"\b(RegisterOperators)\b")
_STR = r'"(?:[^"\\\n]|\\.)*"'
_WRAP = r"[A-Z_][A-Z0-9_]*\s*\(\s*"
_QNAME = r"(?:::\s*)?[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)*"
_IMPL = re.compile(
    rf"\.\s*impl\s*\(\s*(?P<wrap>{_WRAP})?(?P<op>{_STR})\s*(?(wrap)\)\s*)"
    rf",\s*(?:{_WRAP})*&?\s*(?P<fn>{_QNAME})"
)
_DISPATCH = re.compile(rf"\btorch_call_dispatcher\s*\(\s*(?P<op>{_STR})")


def scan(text: str, code: str, nocomment: str, line_of: Callable[[int], int]) -> Unit:
    """The unit facts of one file.

    ``code`` has comments, string contents and preprocessor lines blanked,
    ``nocomment`` only comments (both keep every offset of ``text``).
    """
    stable: list[tuple[int, Marker]] = []
    legacy: list[tuple[int, Marker]] = []
    for m in _INCLUDE.finditer(nocomment):
        path = m.group(1).strip()
        marker = (m.start(), Marker(path, line_of(m.start())))
        if path.startswith(STABLE_INCLUDES):
            stable.append(marker)
        elif path.startswith(NEUTRAL_INCLUDES):
            continue
        elif path.startswith(LEGACY_INCLUDES):
            legacy.append(marker)
    libraries: list[Library] = []
    for m in _LIBRARY.finditer(code):
        macro = m.group("macro")
        close = _closing_brace(code, m.end() - 1)
        library = Library(
            macro=macro,
            name=m.group("name"),
            dispatch_key=m.group("key") or "",
            line=line_of(m.start()),
            end_line=line_of(close if close >= 0 else len(code)),
        )
        libraries.append(library)
        (stable if library.stable else legacy).append((m.start(), Marker(macro, library.line)))
    for m in _STABLE_CALL.finditer(code):
        stable.append((m.start(), Marker(m.group(1), line_of(m.start()))))
    for m in _LEGACY_CALL.finditer(code):
        legacy.append((m.start(), Marker(m.group(1), line_of(m.start()))))
    kernels = tuple(
        Kernel(
            op=_value(nocomment[m.start("op") : m.end("op")]),
            target=re.sub(r"\s+", "", m.group("fn")).lstrip(":"),
            line=line_of(m.start()),
        )
        for m in _IMPL.finditer(nocomment)
        if code[m.start()] == "."  # not inside a comment or a string
    )
    calls = tuple(
        DispatcherCall(
            op=_value(nocomment[m.start("op") : m.end("op")]).split(".", 1)[0],
            offset=m.start(),
            line=line_of(m.start()),
        )
        for m in _DISPATCH.finditer(nocomment)
        if code[m.start()] == "t"
    )
    if stable:
        abi = ABI_STABLE
    elif legacy:
        abi = ABI_LEGACY
    else:
        abi = ABI_UNKNOWN
    return Unit(
        abi=abi,
        stable=tuple(marker for _, marker in sorted(stable, key=lambda item: item[0])),
        legacy=tuple(marker for _, marker in sorted(legacy, key=lambda item: item[0])),
        libraries=tuple(libraries),
        kernels=kernels,
        dispatcher_calls=calls,
    )


def _value(literal: str) -> str:
    return literal[1:-1] if len(literal) >= 2 else literal


def _closing_brace(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        ch = code[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def qualify(op: str, library: Library | None) -> str:
    """``roi_align`` inside ``..._FRAGMENT(torchvision, m)`` → ``torchvision::roi_align``.

    A name that carries its namespace keeps it; the overload is dropped
    (``torchvision::nms.out`` → ``torchvision::nms``).
    """
    name = op.split("(", 1)[0].strip()
    if "::" not in name and library is not None:
        name = f"{library.name}::{name}"
    namespace, _, base = name.rpartition("::")
    base = base.split(".", 1)[0].strip()
    return f"{namespace}::{base}" if namespace else base
