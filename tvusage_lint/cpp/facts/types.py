"""The fact types of a C++ file: frozen dataclasses, and the constants their fields hold.

The rest of ``cpp.facts`` builds them; the rules, the linker and the events read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvusage_lint.core.suppressions import Suppressions
from tvusage_lint.cpp.stable import Unit

MACRO = "C10_LOG_API_USAGE_ONCE"

KIND_FUNCTION = "function"
KIND_METHOD = "method"
KIND_CONSTRUCTOR = "constructor"
KIND_DESTRUCTOR = "destructor"

REG_OP = "op"  # RegisterOperators().op("image::decode_png", &decode_png)
REG_DEF = "def"  # m.def("read_video_from_file", read_video_from_file)
REG_SCHEMA = "schema"  # m.def(TORCH_SELECTIVE_SCHEMA("torchvision::nms(...) -> Tensor"))
REG_CLASS = "class"  # torch::class_<Video>("torchvision", "Video")


@dataclass(frozen=True)
class LogCall:
    """One ``C10_LOG_API_USAGE_ONCE(...)`` statement inside a function body."""

    start: int  # offset of the macro name
    end: int  # just after the statement (its ``;`` when it has one)
    line: int
    column: int  # 1-based, like every column here
    end_line: int
    end_column: int
    arg_start: int  # the argument between the parentheses, whitespace trimmed
    arg_end: int
    arg_line: int
    arg_column: int
    arg_end_line: int
    arg_end_column: int
    event: str | None  # the string literal's value; None when the argument is not one
    first: bool  # it is the first statement of the body
    removal_start: int  # what to delete when the call moves: its whole lines when alone
    removal_end: int
    arg_text: str = ""  # the argument as written (what ``events`` shows when it is not a literal)


@dataclass(frozen=True)
class Function:
    """A function definition with a body (free function, method, constructor)."""

    name: str  # "nms"; a constructor's name is its class name
    qualname: str  # "vision::ops::nms", "vision::video::Video::Video"
    kind: str
    scope: str  # "vision::ops", "vision::video::Video"
    line: int  # first line of the definition (return type, or ``template``)
    name_line: int
    name_column: int
    body_open: int  # offset of ``{``
    body_close: int  # offset of ``}``
    insert_start: int  # where a new first statement goes (an Edit's start/end)
    insert_end: int
    insert_prefix: str  # text before the statement
    insert_suffix: str  # text after it
    indent: str  # the body's indentation
    inline: bool  # the statement goes on the line of the ``{`` (never wrapped)
    stub: bool  # the body only raises (a feature stub: ``TORCH_CHECK(false, ...)``)
    logs: tuple[LogCall, ...]


@dataclass(frozen=True)
class Registration:
    kind: str  # REG_*
    op: str  # the operator name from the string ("image::decode_png"), the class for REG_CLASS
    target: str  # the function or class as written ("decode_png", "Video::initFromFile")
    scope: str  # the namespace around the registration ("vision::image")
    line: int


@dataclass(frozen=True)
class CppFacts:
    functions: tuple[Function, ...] = ()
    registrations: tuple[Registration, ...] = ()
    suppressions: Suppressions = ()
    newline: str = "\n"
    parses: int = 0  # how many times libclang parsed it (configurations, stub passes)
    error: str = ""  # one line; "" when the file parsed
    error_line: int = 0
    unit: Unit = Unit()  # stable ABI or legacy, and the stable registration forms (cpp/stable.py)


def failed(error: str, line: int = 1) -> CppFacts:
    return CppFacts(error=error, error_line=line)
