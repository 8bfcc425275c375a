"""What one logging call emits at run time, evaluated from facts (no tree, no import).

Dashboards key on the string that reaches ``torch._C._log_api_usage_once``, so a
call is evaluated the way the tree's own helper evaluates it (``HelperFact``: its
parameters, assignments, ``if``s and the string it finally passes on): each era of
torchvision joined its arguments differently, and an outdated form emits what that
era's helper made of it, not what a fix would make of it. The values a call can
pass are few and known statically: strings, the instance ``self`` of a known class,
a class or a function of the project. Anything else is unknown, and an unknown
string is reported as such (``None``), never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tvusage_lint.python import facts as F

STR = "str"
INSTANCE = "instance"
CLASS = "class"
FUNCTION = "function"


@dataclass(frozen=True)
class Value:
    """A run-time value the evaluation can follow: a string, or an object with the
    ``__module__`` and ``__name__`` it will have."""

    kind: str  # STR / INSTANCE / CLASS / FUNCTION
    text: str = ""  # STR: the string
    module: str = ""  # objects: ``__module__`` (of the class, for an instance)
    name: str = ""  # objects: ``__name__`` (of the class, for an instance)


def string(text: str) -> Value:
    return Value(STR, text=text)


@dataclass(frozen=True)
class Emitted:
    """``emits`` False: the call returns before logging (a helper that skips foreign
    modules); ``event`` None: it logs a string that cannot be known statically."""

    emits: bool
    event: str | None


Lookup = Callable[[str], "Value | None"]  # a free name at the call site → its value
Env = Mapping[str, "Value | None"]


def _attribute(value: Value | None, attr: str) -> Value | None:
    if value is None or value.kind == STR:
        return None  # a str has no __module__: unknown (it would raise), never a guess
    if attr == "__module__":
        return string(value.module)
    if value.kind == INSTANCE:
        return Value(CLASS, module=value.module, name=value.name) if attr == "__class__" else None
    if attr in ("__name__", "__qualname__"):
        return string(value.name)
    if attr == "__class__":
        return Value(CLASS, module="builtins", name="type" if value.kind == CLASS else "function")
    return None


def reference(ref: str, env: Env, lookup: Lookup | None = None) -> Value | None:
    """The value of ``a.b.c``: its head from ``env``, else the longest prefix that
    ``lookup`` knows (``F.resize`` is one project function), then the attributes."""
    parts = ref.split(".")
    if parts[0] in env:
        value, rest = env[parts[0]], parts[1:]
    elif lookup is not None:
        value, rest = None, parts
        for cut in range(len(parts), 0, -1):
            found = lookup(".".join(parts[:cut]))
            if found is not None:
                value, rest = found, parts[cut:]
                break
        if value is None:
            return None
    else:
        return None
    for attr in rest:
        value = _attribute(value, attr)
        if value is None:
            return None
    return value


def joined(parts: tuple[F.Part, ...], env: Env, lookup: Lookup | None = None) -> str | None:
    out: list[str] = []
    for kind, text in parts:
        if kind == F.PART_TEXT:
            out.append(text)
            continue
        value = reference(text, env, lookup) if kind == F.PART_NAME else None
        if value is None or value.kind != STR:
            return None
        out.append(value.text)
    return "".join(out)


def argument(parts: tuple[F.Part, ...], env: Env, lookup: Lookup | None = None) -> Value | None:
    """One argument's value: an object when it is a bare reference, else a string."""
    if len(parts) == 1 and parts[0][0] == F.PART_NAME:
        return reference(parts[0][1], env, lookup)
    text = joined(parts, env, lookup)
    return None if text is None else string(text)


def _holds(cond: F.Cond, env: Env) -> bool | None:
    op, subject, operand = cond
    negated = op.startswith("!")
    op = op.lstrip("!")
    truth: bool | None = None
    if op == F.COND_JIT:
        truth = False  # events are what an eager run emits
    elif op == F.COND_ISINSTANCE:
        value = reference(subject, env)
        kind = operand.rpartition(".")[2]
        if value is not None:
            if kind == "FunctionType":
                truth = value.kind == FUNCTION
            elif kind == "str":
                truth = value.kind == STR
            elif kind == "type":
                truth = value.kind == CLASS
    elif op == F.COND_STARTSWITH:
        value = reference(subject, env)
        if value is not None and value.kind == STR:
            truth = value.text.startswith(operand)
    if truth is None:
        return None
    return not truth if negated else truth


def run_helper(helper: F.HelperFact, args: list[Value | None]) -> Emitted:
    """The helper's body, statement by statement, on these arguments."""
    env: dict[str, Value | None] = {
        name: args[i] if i < len(args) else None for i, name in enumerate(helper.params)
    }
    for step in helper.steps:
        holds = [_holds(cond, env) for cond in step.when]
        if any(h is None for h in holds):
            return Emitted(True, None)
        if not all(holds):
            continue
        if step.action == F.STEP_ASSIGN:
            env[step.target] = argument(step.value, env)
        elif step.action == F.STEP_RETURN:
            return Emitted(False, None)
        elif step.action == F.STEP_EMIT:
            return Emitted(True, joined(step.value, env))
    return Emitted(False, None)


def builtin_helper(args: list[Value | None]) -> Emitted:
    """Without a helper in the tree (a partial checkout): the known semantics of the
    released helpers, ``f"{obj.__module__}.{name}"`` for an object, a string as
    written, two strings joined by a dot."""
    if len(args) == 1:
        value = args[0]
        if value is None:
            return Emitted(True, None)
        if value.kind == STR:
            return Emitted(True, value.text)
        return Emitted(True, f"{value.module}.{value.name}")
    if len(args) == 2 and all(a is not None and a.kind == STR for a in args):
        return Emitted(True, ".".join(a.text for a in args))  # type: ignore[union-attr]
    return Emitted(True, None)


def evaluate(
    call: F.LogCall, helper: F.HelperFact | None, env: Env, lookup: Lookup | None
) -> Emitted:
    """What ``call`` emits with ``env`` (``self``) and ``lookup`` (the module's names)."""
    if not call.args:
        return Emitted(True, None)
    if call.form == F.FORM_TORCH_C:
        if len(call.args) != 1:
            return Emitted(True, None)
        return Emitted(True, joined(call.args[0], env, lookup))
    values = [argument(parts, env, lookup) for parts in call.args]
    if helper is None:
        return builtin_helper(values)
    return run_helper(helper, values)


def expression(call: F.LogCall) -> str:
    """The call as source-like text, for an event that cannot be known."""
    return f"{call.callee}({', '.join(_shown(parts) for parts in call.args)})"


def _shown(parts: tuple[F.Part, ...]) -> str:
    if len(parts) == 1 and parts[0][0] != F.PART_TEXT:
        return parts[0][1]
    if all(kind == F.PART_TEXT for kind, _ in parts):
        return repr("".join(text for _, text in parts))
    body = "".join(text if kind == F.PART_TEXT else "{" + text + "}" for kind, text in parts)
    return 'f"' + body + '"'
