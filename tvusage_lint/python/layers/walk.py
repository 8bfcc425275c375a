"""The walk that finds hand-rolled ``torchvision.ops`` layers in one parsed module.

It is cheap where it finds nothing: it runs only when the text holds a trigger
word (every pattern names a normalisation, a ``Linear``, a sigmoid gate or a
random draw), and it descends only into statements whose lines hold one. It
gathers what the families match on (the layers of a sequence, a class's
``__init__`` attributes, a function's random draws) and hands them to one module
per layer family. Names are recorded as written (``nn.Conv2d``); whether they
come from ``torch.nn`` is decided by the rules, which know the module's imports.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from tvusage_lint.python.ast_util import (
    BLOCKS,
    DEFS,
    dotted,
    final,
    first_line,
    is_super_init,
    span_of,
)
from tvusage_lint.python.layers import (
    conv_norm_act,
    frozen_batchnorm,
    mlp,
    squeeze_excitation,
    stochastic_depth,
)
from tvusage_lint.python.layers.base import (
    CONV_NORM_ACT,
    MLP,
    NOTHING,
    Item,
    LayerHit,
    assigned,
    classify,
    factory_kwargs,
    self_attributes,
)

# Every pattern names one of these: a convolution, a norm, a Linear, a sigmoid gate, a
# batch norm's buffer, a random draw.
RANDOM_TRIGGERS = ("bernoulli", "torch.rand(")
TRIGGERS = ("Conv", "Norm", "Linear", "igmoid", "running_mean", *RANDOM_TRIGGERS)
_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)


def _header_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of a statement, without its nested blocks."""
    for name, value in ast.iter_fields(stmt):
        if name in BLOCKS or name in ("handlers", "cases", "decorator_list"):
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, ast.AST) and not isinstance(v, ast.stmt):
                yield from ast.walk(v)


class _Scanner:
    def __init__(self, lines: Lines) -> None:
        self.lines = lines.all
        self.random_lines = lines.random
        self.sequential_lines = lines.sequential
        self.convs = "Conv" in lines.words
        self.linears = "Linear" in lines.words
        self.sequences = self.convs or self.linears
        self.frozen = "running_mean" in lines.words
        self.gates = "igmoid" in lines.words
        self.random = bool(lines.random)
        self.hits: list[LayerHit] = []

    def touched(self, node: ast.AST, lines: list[int] | None = None) -> bool:
        lines = self.lines if lines is None else lines
        start = node.lineno  # type: ignore[attr-defined]
        end = getattr(node, "end_lineno", None) or start
        i = bisect.bisect_left(lines, start)
        return i < len(lines) and lines[i] <= end

    # owner: qualname of the enclosing definition; fn: the enclosing function, if any
    def block(
        self,
        body: list[ast.stmt],
        owner: str,
        owner_line: int,
        fn: ast.FunctionDef | ast.AsyncFunctionDef | None,
        seq_init: bool = False,
    ) -> None:
        if self.sequences:
            self._runs(body, owner, owner_line, fn)
        for stmt in body:
            if not self.touched(stmt):
                continue
            if isinstance(stmt, ast.ClassDef):
                qual = self._qual(owner, fn, stmt.name)
                self._class(stmt, qual)
                sequential = any(final(dotted(b)) == "Sequential" for b in stmt.bases)
                for inner in stmt.body:
                    if isinstance(inner, DEFS):
                        if self.touched(inner):
                            self._function(inner, f"{qual}.{inner.name}", sequential)
                    elif self.touched(inner):
                        self.block([inner], qual, first_line(stmt), None)
                continue
            if isinstance(stmt, DEFS):
                self._function(stmt, self._qual(owner, fn, stmt.name), False)
                continue
            if self.sequences and self.touched(stmt, self.sequential_lines):
                for node in _header_nodes(stmt):
                    if isinstance(node, ast.Call):
                        self._call(node, owner, owner_line, fn)
            elif seq_init and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                if is_super_init(stmt.value):  # the layers of an nn.Sequential subclass
                    self._call(stmt.value, owner, owner_line, fn)
            for field in (*BLOCKS, "handlers", "cases"):
                inner = getattr(stmt, field, None)
                if not inner:
                    continue
                if field in ("handlers", "cases"):
                    for part in inner:
                        self.block(part.body, owner, owner_line, fn, seq_init)
                else:
                    self.block(inner, owner, owner_line, fn, seq_init)

    @staticmethod
    def _qual(owner: str, fn: ast.AST | None, name: str) -> str:
        if not owner:
            return name
        return f"{owner}.<locals>.{name}" if fn is not None else f"{owner}.{name}"

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qual: str, sequential_class: bool
    ) -> None:
        seq_init = sequential_class and node.name == "__init__"
        self.block(node.body, qual, first_line(node), node, seq_init)
        if self.random:
            self._stochastic_depth(node, qual)

    # --- sequences: nn.Sequential(...), list literals, successive appends ---------------

    def _call(
        self,
        call: ast.Call,
        owner: str,
        owner_line: int,
        fn: ast.FunctionDef | ast.AsyncFunctionDef | None,
    ) -> None:
        """``nn.Sequential(...)``, or ``super().__init__(...)`` of a Sequential subclass."""
        name = dotted(call.func)
        if final(name) == "Sequential":
            names = [name]
        elif is_super_init(call):
            names = []
        else:
            return
        args: list[ast.expr] = list(call.args)
        if len(args) == 1 and isinstance(args[0], ast.Call):
            pairs = _ordered_dict(args[0])
            if pairs is not None:
                args = pairs
        items: list[Item] = []
        for arg in args:
            if isinstance(arg, ast.Starred) and isinstance(arg.value, (ast.List, ast.Tuple)):
                items.extend(self._item(e, fn) for e in arg.value.elts)
            else:
                items.append(self._item(arg, fn))
        self._sequence(items, owner, owner_line, names)

    def _runs(
        self,
        body: list[ast.stmt],
        owner: str,
        owner_line: int,
        fn: ast.FunctionDef | ast.AsyncFunctionDef | None,
    ) -> None:
        """``layers = [...]`` / ``layers.append(x)`` / ``layers += [...]`` / ``.extend([...])``
        / ``.add_module(name, x)`` / ``d[key] = x`` (``d`` a dict or an OrderedDict made in
        the function) in a row, on one receiver, are one sequence."""
        receiver = ""
        values: list[ast.expr] = []
        touched = False
        for stmt in body:
            found = _appended(stmt)
            if found is not None and found[3] and not _a_dict(found[0], fn):
                found = None
            if found is None or found[2] or found[0] != receiver:
                if touched:
                    self._sequence([self._item(v, fn) for v in values], owner, owner_line, [])
                receiver, values, touched = "", [], False
            if found is None:
                continue
            receiver = found[0]
            values.extend(found[1])
            touched = touched or self.touched(stmt)
        if touched:
            self._sequence([self._item(v, fn) for v in values], owner, owner_line, [])

    def _item(self, node: ast.expr, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> Item:
        if isinstance(node, ast.Name) and fn is not None:
            # ``conv2d = nn.Conv2d(...)`` earlier in the function (torchvision's vgg)
            values = assigned(fn, node.id)
            if len(values) == 1:
                node = values[0]
        if not isinstance(node, ast.Call) or factory_kwargs(node, fn):
            return NOTHING
        return classify(node)

    def _sequence(self, items: list[Item], owner: str, owner_line: int, extra: list[str]) -> None:
        if self.convs:
            for run in conv_norm_act.runs(items):
                args = conv_norm_act.arguments(run)
                self._hit(CONV_NORM_ACT, run, owner, owner_line, extra, args)
        if self.linears:
            for run in mlp.runs(items):
                self._hit(MLP, run, owner, owner_line, extra, mlp.arguments(run))

    def _hit(
        self,
        pattern: str,
        run: list[Item],
        owner: str,
        owner_line: int,
        extra: list[str],
        args: tuple[str, ...],
    ) -> None:
        first = run[0].call
        assert first is not None
        self.hits.append(
            LayerHit(
                pattern=pattern,
                owner=owner,
                owner_line=owner_line,
                span=span_of(first),
                steps=tuple(item.final for item in run),
                names=tuple(dict.fromkeys([*extra, *(item.name for item in run)])),
                args=args,
            )
        )

    # --- class-shaped: conv+norm(+act) modules, squeeze-and-excitation blocks -----------

    def _class(self, node: ast.ClassDef, qual: str) -> None:
        methods = {s.name: s for s in node.body if isinstance(s, DEFS)}
        init = methods.get("__init__")
        if init is None:
            return
        if self.frozen:
            hit = frozen_batchnorm.class_shaped(node, qual, methods)
            if hit is not None:
                self.hits.append(hit)
                return
        attrs = {
            attr: call
            for attr, call in self_attributes(init).items()
            if not factory_kwargs(call, init)
        }
        if not attrs:
            return
        sequential = [dotted(b) for b in node.bases if final(dotted(b)) == "Sequential"]
        if sequential and self.sequences:
            # an nn.Sequential subclass runs its attributes in the order they are set
            items = [classify(call) for call in attrs.values()]
            self._sequence(items, f"{qual}.__init__", first_line(init), sequential[:1])
        if self.gates:
            block = squeeze_excitation.class_shaped(node, qual, attrs, methods)
            if block is not None:  # its convolutions and Linear layers are its own
                self.hits.append(block)
                return
        found: list[LayerHit] = []
        if self.convs:
            shaped = conv_norm_act.class_shaped(node, qual, attrs, methods.get("forward"))
            if shaped is not None:
                found.append(shaped)
            else:
                found.extend(conv_norm_act.applied(node, qual, attrs, methods))
        if self.linears:
            found.extend(mlp.module_list(node, qual, attrs, methods))
        self.hits.extend(found)

    # --- stochastic depth: a per-sample Bernoulli keep-mask, rescaled, multiplied in ---

    def _stochastic_depth(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> None:
        if not self.touched(fn, self.random_lines):
            return
        hit = stochastic_depth.find(fn, qual, self._random_statements(fn.body))
        if hit is not None:
            self.hits.append(hit)

    def _random_statements(self, body: list[ast.stmt]) -> Iterator[ast.stmt]:
        """The simple statements of ``body`` (and its blocks, not nested definitions) on
        lines that draw random numbers."""
        for stmt in body:
            if not self.touched(stmt, self.random_lines) or isinstance(stmt, (*DEFS, ast.ClassDef)):
                continue
            if isinstance(stmt, _SIMPLE):
                yield stmt
                continue
            for field in BLOCKS:
                yield from self._random_statements(getattr(stmt, field, None) or [])
            for part in getattr(stmt, "handlers", None) or getattr(stmt, "cases", None) or ():
                yield from self._random_statements(part.body)


def _ordered_dict(call: ast.Call) -> list[ast.expr] | None:
    """The values of ``OrderedDict([("conv", c), ...])`` / ``OrderedDict({"conv": c})``."""
    if final(dotted(call.func)) != "OrderedDict" or len(call.args) != 1:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Dict):
        return list(arg.values)
    if isinstance(arg, (ast.List, ast.Tuple)):
        out = []
        for elt in arg.elts:
            if not isinstance(elt, ast.Tuple) or len(elt.elts) != 2:
                return None
            out.append(elt.elts[1])
        return out
    return None


def _a_dict(receiver: str, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """Whether the function makes ``receiver`` an ``OrderedDict()``, ``dict()`` or ``{}``
    (not a ``ModuleDict``, whose layers are looked up by name)."""
    if fn is None or "." in receiver:
        return False
    values = assigned(fn, receiver)
    return len(values) == 1 and (
        (isinstance(values[0], ast.Dict) and not values[0].keys)
        or (
            isinstance(values[0], ast.Call)
            and final(dotted(values[0].func)) in ("OrderedDict", "dict")
            and not values[0].args
        )
    )


def _appended(stmt: ast.stmt) -> tuple[str, list[ast.expr], bool, bool] | None:
    """(receiver, added items, starts a new list, by key) for a statement that adds layers."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if not isinstance(func, ast.Attribute) or call.keywords:
            return None
        receiver = dotted(func.value)
        if not receiver:
            return None
        if func.attr == "append" and len(call.args) == 1:
            return receiver, [call.args[0]], False, False
        if func.attr == "add_module" and len(call.args) == 2:
            return receiver, [call.args[1]], False, False
        if (
            func.attr == "extend"
            and len(call.args) == 1
            and isinstance(call.args[0], (ast.List, ast.Tuple))
        ):
            return receiver, list(call.args[0].elts), False, False
        return None
    if (
        isinstance(stmt, ast.AugAssign)
        and isinstance(stmt.op, ast.Add)
        and isinstance(stmt.value, (ast.List, ast.Tuple))
    ):
        receiver = dotted(stmt.target)
        return (receiver, list(stmt.value.elts), False, False) if receiver else None
    target = value = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign):
        target, value = stmt.target, stmt.value
    if isinstance(value, (ast.List, ast.Tuple)):
        receiver = dotted(target)
        return (receiver, list(value.elts), True, False) if receiver else None
    if isinstance(target, ast.Subscript) and isinstance(value, ast.Call):
        receiver = dotted(target.value)
        return (receiver, [value], False, True) if receiver else None
    return None


@dataclass(frozen=True)
class Lines:
    """Lines holding a trigger word; those holding a random draw; those naming Sequential;
    the trigger words found."""

    all: list[int]
    random: list[int]
    sequential: list[int]
    words: set[str]


def trigger_lines(text: str) -> Lines:
    found = [(pos, word) for word in TRIGGERS for pos in _finds(text, word)]
    if found:
        found.extend((pos, "Sequential") for pos in _finds(text, "Sequential"))
        found.sort()
    lines = Lines([], [], [], {word for _, word in found})
    line, counted = 1, 0
    for pos, word in found:
        line += text.count("\n", counted, pos)
        counted = pos
        if word == "Sequential":
            _add(lines.sequential, line)
            continue
        _add(lines.all, line)
        if word in RANDOM_TRIGGERS:
            _add(lines.random, line)
    return lines


def _finds(text: str, word: str) -> Iterator[int]:
    pos = text.find(word)
    while pos != -1:
        yield pos
        pos = text.find(word, pos + 1)


def _add(lines: list[int], line: int) -> None:
    if not lines or lines[-1] != line:
        lines.append(line)


def scan(tree: ast.Module, text: str) -> tuple[LayerHit, ...]:
    """The hand-rolled layers of one parsed module; () when no trigger word occurs."""
    lines = trigger_lines(text)
    if not lines.all:
        return ()
    scanner = _Scanner(lines)
    scanner.block(tree.body, "", 0, None)
    return tuple(scanner.hits)
