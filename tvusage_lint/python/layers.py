"""Hand-rolled copies of the ``torchvision.ops`` layers (RFC pytorch/vision#4333), as facts.

The scanner reads the tree ``facts.extract`` already parsed. It is cheap where
it finds nothing: it runs only when the text holds a trigger word (every
pattern names a normalisation, a ``Linear``, a sigmoid gate or a random
draw), and it descends only into statements whose lines hold one. Names are
recorded as written (``nn.Conv2d``); whether they come from ``torch.nn`` is
decided by the rules, which know the module's imports.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from tvusage_lint.python.facts import Span, dotted, span_of

CONV_NORM_ACT = "conv-norm-act"
SQUEEZE_EXCITATION = "squeeze-excitation"
MLP = "mlp"
STOCHASTIC_DEPTH = "stochastic-depth"


@dataclass(frozen=True)
class LayerHit:
    """One hand-rolled copy of a ``torchvision.ops`` layer."""

    pattern: str
    owner: str  # qualname of the enclosing class or function ("" at module level)
    owner_line: int  # its first line (decorators included); 0 at module level
    span: Span  # the first layer's call, or the class header for class-shaped patterns
    steps: tuple[str, ...]  # what it is made of, in order: ("Conv2d", "BatchNorm2d", "ReLU")
    names: tuple[str, ...]  # layer constructors as written ("nn.Conv2d"), for origin checks


# Every pattern names one of these: a norm, a Linear, a sigmoid gate, a random draw.
RANDOM_TRIGGERS = ("bernoulli", "torch.rand(")
TRIGGERS = ("Norm", "Linear", "igmoid", *RANDOM_TRIGGERS)

_CONVS = {"Conv2d": 2, "Conv3d": 3}
# Conv{2,3}dNormActivation builds the convolution itself and takes none of these.
_CONV_UNSUPPORTED = {"padding_mode", "device", "dtype"}
_NORMS = {
    "BatchNorm2d": 2,
    "BatchNorm3d": 3,
    "InstanceNorm2d": 2,
    "InstanceNorm3d": 3,
    "GroupNorm": 0,  # 0: any dimension
    "SyncBatchNorm": 0,
    "LayerNorm": 0,
}
_NORMS_1D = {"BatchNorm1d", "LayerNorm"}  # between the Linear and the activation of an MLP
_ACTS = frozenset(
    "ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Hardswish Hardtanh Tanh".split()
)
_FUNCTIONAL_ACTS = frozenset(
    "relu relu6 leaky_relu elu selu celu gelu silu mish hardswish hardtanh tanh".split()
)
_GATES = frozenset(("Sigmoid", "Hardsigmoid"))
_FUNCTIONAL_GATES = frozenset(("sigmoid", "hardsigmoid"))
_CREATORS = frozenset("empty zeros ones full rand new_empty new_zeros new_ones new_full".split())

# Item kinds of a layer sequence.
CONV, NORM, ACT, DROPOUT, LINEAR, GATE, POOL, OTHER = (
    "conv norm act dropout linear gate pool other".split()
)


@dataclass(frozen=True)
class _Item:
    kind: str
    final: str  # the class name: "Conv2d"
    name: str  # as written: "nn.Conv2d"
    call: ast.Call | None


_NOTHING = _Item(OTHER, "", "", None)


def _final(name: str) -> str:
    return name.rpartition(".")[2]


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_one(node: ast.expr | None) -> bool:
    """``1`` or ``(1, 1)``."""
    if isinstance(node, ast.Constant):
        return node.value == 1 and not isinstance(node.value, bool)
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(_is_one(e) for e in node.elts)
    return False


def _classify(call: ast.Call) -> _Item:
    name = dotted(call.func)
    final = _final(name)
    if not name or not final[:1].isupper():
        return _Item(OTHER, final, name, call)
    if final in _CONVS:
        if any(k.arg in _CONV_UNSUPPORTED for k in call.keywords):
            return _Item(OTHER, final, name, call)
        return _Item(CONV, final, name, call)
    if final in _NORMS or final in _NORMS_1D:
        return _Item(NORM, final, name, call)
    if final in _ACTS:
        return _Item(ACT, final, name, call)
    if final == "Dropout":
        return _Item(DROPOUT, final, name, call)
    if final == "Linear":
        return _Item(LINEAR, final, name, call)
    if final in _GATES:
        return _Item(GATE, final, name, call)
    if final == "AdaptiveAvgPool2d":
        size = call.args[0] if call.args else _kwarg(call, "output_size")
        if _is_one(size):
            return _Item(POOL, final, name, call)
    return _Item(OTHER, final, name, call)


def _conv_out(call: ast.Call) -> ast.expr | None:
    return call.args[1] if len(call.args) > 1 else _kwarg(call, "out_channels")


def _conv_kernel(call: ast.Call) -> ast.expr | None:
    return call.args[2] if len(call.args) > 2 else _kwarg(call, "kernel_size")


def _same(a: ast.expr | None, b: ast.expr | None) -> bool:
    return a is not None and b is not None and ast.dump(a) == ast.dump(b)


def _norm_fits(conv: _Item, norm: _Item) -> bool:
    dims = _NORMS.get(norm.final)
    if dims is None:
        return False  # BatchNorm1d
    if dims and dims != _CONVS[conv.final]:
        return False
    if norm.final == "LayerNorm":
        # Conv{2,3}dNormActivation builds ``norm_layer(out_channels)``: only a
        # LayerNorm over exactly that many features is the same layer.
        assert conv.call is not None and norm.call is not None
        shape = norm.call.args[0] if norm.call.args else _kwarg(norm.call, "normalized_shape")
        return _same(shape, _conv_out(conv.call))
    return True


# --- the pattern finders over a sequence of items ---------------------------------------


def conv_norm_act_runs(items: list[_Item]) -> Iterator[list[_Item]]:
    i = 0
    while i < len(items) - 1:
        first, second = items[i], items[i + 1]
        if first.kind == CONV and second.kind == NORM and _norm_fits(first, second):
            run = [first, second]
            if i + 2 < len(items) and items[i + 2].kind == ACT:
                run.append(items[i + 2])
            yield run
            i += len(run)
        else:
            i += 1


def mlp_runs(items: list[_Item]) -> Iterator[list[_Item]]:
    """Linear (→ norm) → activation (→ Dropout) → Linear ..., at least two Linear layers,
    that ``torchvision.ops.MLP`` builds the same: one activation, one norm (or none) and
    one bias setting throughout, and a Dropout after every layer, the last included, or
    none at all."""
    i = 0
    while i < len(items):
        if items[i].kind != LINEAR:
            i += 1
            continue
        end, k = i, i + 1
        while True:
            if k < len(items) and items[k].kind == NORM and items[k].final in _NORMS_1D:
                k += 1
            if k >= len(items) or items[k].kind != ACT:
                break
            k += 1
            if k < len(items) and items[k].kind == DROPOUT:
                k += 1
            if k >= len(items) or items[k].kind != LINEAR:
                break
            end, k = k, k + 1
        if end == i:
            i += 1
            continue
        run = items[i : end + 1]
        if end + 1 < len(items) and items[end + 1].kind == DROPOUT:
            run.append(items[end + 1])
        if _same_as_mlp(run):
            yield run
        i = end + 1


def _same_as_mlp(run: list[_Item]) -> bool:
    def arg(item: _Item, index: int, keyword: str) -> str:
        assert item.call is not None
        call = item.call
        value = call.args[index] if len(call.args) > index else _kwarg(call, keyword)
        if value is None or (isinstance(value, ast.Constant) and value.value is True):
            return ""
        return ast.dump(value)

    linears = [i for i in run if i.kind == LINEAR]
    hidden = len(linears) - 1
    if len({arg(i, 2, "bias") for i in linears}) != 1:
        return False
    acts = {i.final for i in run if i.kind == ACT}
    norms = [i.final for i in run if i.kind == NORM]
    if len(acts) != 1 or len(set(norms)) > 1 or len(norms) not in (0, hidden):
        return False
    dropouts = [i for i in run if i.kind == DROPOUT]
    if len(dropouts) not in (0, hidden + 1):
        return False
    return len({arg(i, 0, "p") for i in dropouts}) <= 1


# --- the walk ---------------------------------------------------------------------------


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCKS = ("body", "orelse", "finalbody")


def _doc(body: list[ast.stmt]) -> int:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return 1
    return 0


def _first_line(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([d.lineno for d in node.decorator_list] + [node.lineno])


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body``, not entering nested definitions or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*_DEFS, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _header_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of a statement, without its nested blocks."""
    for name, value in ast.iter_fields(stmt):
        if name in _BLOCKS or name in ("handlers", "cases", "decorator_list"):
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
        self.sequences = "Norm" in lines.words or "Linear" in lines.words
        self.norms = "Norm" in lines.words
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
                sequential = any(_final(dotted(b)) == "Sequential" for b in stmt.bases)
                for inner in stmt.body:
                    if isinstance(inner, _DEFS):
                        if self.touched(inner):
                            self._function(inner, f"{qual}.{inner.name}", sequential)
                    elif self.touched(inner):
                        self.block([inner], qual, _first_line(stmt), None)
                continue
            if isinstance(stmt, _DEFS):
                self._function(stmt, self._qual(owner, fn, stmt.name), False)
                continue
            if self.sequences and self.touched(stmt, self.sequential_lines):
                for node in _header_nodes(stmt):
                    if isinstance(node, ast.Call):
                        self._call(node, owner, owner_line, fn)
            elif seq_init and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                if _is_super_init(stmt.value):  # the layers of an nn.Sequential subclass
                    self._call(stmt.value, owner, owner_line, fn)
            for field in (*_BLOCKS, "handlers", "cases"):
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
        self.block(node.body, qual, _first_line(node), node, seq_init)
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
        if _final(name) == "Sequential":
            names = [name]
        elif _is_super_init(call):
            names = []
        else:
            return
        args: list[ast.expr] = list(call.args)
        if len(args) == 1 and isinstance(args[0], ast.Call):
            pairs = _ordered_dict(args[0])
            if pairs is not None:
                args = pairs
        items: list[_Item] = []
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
        / ``.add_module(name, x)`` in a row, on one receiver, are one sequence."""
        receiver = ""
        values: list[ast.expr] = []
        touched = False
        for stmt in body:
            found = _appended(stmt)
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

    def _item(self, node: ast.expr, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> _Item:
        if isinstance(node, ast.Call):
            return _classify(node)
        if isinstance(node, ast.Name) and fn is not None:
            # ``conv2d = nn.Conv2d(...)`` earlier in the function (torchvision's vgg)
            values = _assigned(fn, node.id)
            if len(values) == 1 and isinstance(values[0], ast.Call):
                return _classify(values[0])
        return _NOTHING

    def _sequence(self, items: list[_Item], owner: str, owner_line: int, extra: list[str]) -> None:
        if self.norms:
            for run in conv_norm_act_runs(items):
                self._hit(CONV_NORM_ACT, run, owner, owner_line, extra)
        for run in mlp_runs(items):
            self._hit(MLP, run, owner, owner_line, extra)

    def _hit(
        self, pattern: str, run: list[_Item], owner: str, owner_line: int, extra: list[str]
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
            )
        )

    # --- class-shaped: conv+norm(+act) modules, squeeze-and-excitation blocks -----------

    def _class(self, node: ast.ClassDef, qual: str) -> None:
        methods = {s.name: s for s in node.body if isinstance(s, _DEFS)}
        init = methods.get("__init__")
        if init is None:
            return
        attrs: dict[str, ast.Call] = {}
        for stmt in init.body:
            target = value = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                target, value = stmt.target, stmt.value
            if (
                isinstance(target, ast.Attribute)
                and dotted(target.value) == "self"
                and isinstance(value, ast.Call)
            ):
                attrs[target.attr] = value
        if not attrs:
            return
        header = Span(
            node.lineno, node.col_offset, node.lineno, node.col_offset + 6 + len(node.name)
        )
        if self.norms:
            self._conv_module(node, qual, header, attrs, methods.get("forward"))
        if self.gates:
            self._squeeze_excitation(node, qual, header, attrs, methods)

    def _conv_module(
        self,
        node: ast.ClassDef,
        qual: str,
        header: Span,
        attrs: dict[str, ast.Call],
        forward: ast.FunctionDef | ast.AsyncFunctionDef | None,
    ) -> None:
        if forward is None or not 2 <= len(attrs) <= 3:
            return
        by_kind: dict[str, tuple[str, _Item]] = {}
        for attr, call in attrs.items():
            item = _classify(call)
            if item.kind not in (CONV, NORM, ACT) or item.kind in by_kind:
                return
            by_kind[item.kind] = (attr, item)
        if CONV not in by_kind or NORM not in by_kind:
            return
        conv, norm = by_kind[CONV][1], by_kind[NORM][1]
        if not _norm_fits(conv, norm):
            return
        order = _chain(forward)
        if order is None:
            return
        expected = [f"self.{by_kind[CONV][0]}", f"self.{by_kind[NORM][0]}"]
        steps = [conv.final, norm.final]
        if ACT in by_kind:
            expected.append(f"self.{by_kind[ACT][0]}")
            steps.append(by_kind[ACT][1].final)
        elif len(order) == 3 and _final(order[2]) in _FUNCTIONAL_ACTS:
            expected.append(order[2])
            steps.append(_final(order[2]))
        if order != expected:
            return
        self.hits.append(
            LayerHit(
                pattern=CONV_NORM_ACT,
                owner=qual,
                owner_line=_first_line(node),
                span=header,
                steps=tuple(steps),
                names=tuple(item.name for _, item in by_kind.values()),
            )
        )

    def _squeeze_excitation(
        self,
        node: ast.ClassDef,
        qual: str,
        header: Span,
        attrs: dict[str, ast.Call],
        methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    ) -> None:
        layers: list[_Item] = []
        names: list[str] = []
        for call in attrs.values():
            name = dotted(call.func)
            if _final(name) == "Sequential":
                names.append(name)
                layers.extend(
                    _classify(a) if isinstance(a, ast.Call) else _NOTHING for a in call.args
                )
            else:
                layers.append(_classify(call))
        kinds = [item.kind for item in layers]
        if any(k not in (POOL, CONV, LINEAR, ACT, GATE) for k in kinds):
            return
        convs = [i.call for i in layers if i.kind == CONV and i.call is not None]
        if any(_final(dotted(c.func)) != "Conv2d" or not _is_one(_conv_kernel(c)) for c in convs):
            return
        if sorted((len(convs), kinds.count(LINEAR))) != [0, 2]:
            return
        if any(kinds.count(k) > 1 for k in (POOL, ACT, GATE)):
            return
        calls = [n for m in methods.values() for n in _own_nodes(m.body) if isinstance(n, ast.Call)]
        called = [_callee(c) for c in calls]

        def step(kind: str, functional: frozenset[str]) -> str:
            for item in layers:
                if item.kind == kind:
                    return item.final
            return next((c for c in called if c in functional), "")

        pool = step(POOL, frozenset()) or next(
            (_callee(c) for c in calls if _functional_pool(c)), ""
        )
        act, gate = step(ACT, _FUNCTIONAL_ACTS), step(GATE, _FUNCTIONAL_GATES)
        if not (pool and act and gate) or not any(_scales_input(m) for m in methods.values()):
            return
        fc = "Conv2d" if convs else "Linear"
        self.hits.append(
            LayerHit(
                pattern=SQUEEZE_EXCITATION,
                owner=qual,
                owner_line=_first_line(node),
                span=header,
                steps=(pool, fc, act, fc, gate),
                names=tuple(dict.fromkeys([*names, *(i.name for i in layers)])),
            )
        )

    # --- stochastic depth: a per-sample Bernoulli keep-mask, rescaled, multiplied in ---

    def _stochastic_depth(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> None:
        if not self.touched(fn, self.random_lines):
            return
        # Cheap first: masks drawn in the statements that name a random draw. A draw in
        # an ``if`` test (``if torch.rand(1) < p:``, the transforms) is never a mask.
        candidates: list[tuple[ast.AST, set[str]]] = []  # (draw, names bound to the mask)
        for stmt in self._random_statements(fn.body):
            parents: dict[int, ast.AST] = {}
            for node in ast.walk(stmt):
                for child in ast.iter_child_nodes(node):
                    parents[id(child)] = node
                shape = _mask_source(node, fn)
                if shape is None or not _per_sample(shape, fn):
                    continue
                names = _mask_names(node, stmt, parents)
                if names is not None:
                    candidates.append((node, names))
        if not candidates:
            return
        nodes = list(_own_nodes(fn.body))
        if not any(_divides(n) for n in nodes):
            return
        floors = any(_call_named(n, ("floor", "floor_")) for n in nodes)
        products = [n for n in nodes if _product(n)]
        for node, names in candidates:
            if isinstance(node, ast.BinOp) and not floors:
                continue  # ``p + torch.rand(s)`` is a mask once floored
            if names and not any(
                isinstance(sub, ast.Name) and sub.id in names
                for product in products
                for sub in ast.walk(product)
            ):
                continue
            self.hits.append(
                LayerHit(
                    pattern=STOCHASTIC_DEPTH,
                    owner=qual,
                    owner_line=_first_line(fn),
                    span=span_of(node),
                    steps=(),
                    names=(),
                )
            )
            return

    def _random_statements(self, body: list[ast.stmt]) -> Iterator[ast.stmt]:
        """The simple statements of ``body`` (and its blocks, not nested definitions) on
        lines that draw random numbers."""
        for stmt in body:
            if not self.touched(stmt, self.random_lines) or isinstance(
                stmt, (*_DEFS, ast.ClassDef)
            ):
                continue
            if isinstance(stmt, _SIMPLE):
                yield stmt
                continue
            for field in _BLOCKS:
                yield from self._random_statements(getattr(stmt, field, None) or [])
            for part in getattr(stmt, "handlers", None) or getattr(stmt, "cases", None) or ():
                yield from self._random_statements(part.body)


_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)


def _functional_pool(call: ast.Call) -> bool:
    """``F.adaptive_avg_pool2d(x, 1)`` or ``x.mean((2, 3), keepdim=True)``."""
    name = _callee(call)
    if name == "adaptive_avg_pool2d":
        return _is_one(call.args[1] if len(call.args) > 1 else _kwarg(call, "output_size"))
    return name == "mean" and _kwarg(call, "keepdim") is not None


def _callee(call: ast.Call) -> str:
    """The called name, also of a method of any expression (``m.bernoulli_(p).div_(p)``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _call_named(node: ast.AST, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Call) and _callee(node) in names


def _divides(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return True
    return _call_named(node, ("div", "div_"))


def _product(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return True
    return _call_named(node, ("mul", "mul_"))


def _mask_names(node: ast.AST, stmt: ast.stmt, parents: dict[int, ast.AST]) -> set[str] | None:
    """How the drawn mask reaches a product: set() when multiplied in place, else the names
    the statement binds it to (their products are checked later); None for neither."""
    here: ast.AST | None = node
    while here is not None and here is not stmt:
        if _product(here):
            return set()
        here = parents.get(id(here))
    if isinstance(stmt, ast.Assign):
        names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        names = {stmt.target.id}
    else:
        return None
    return names or None


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and dotted(func.value.func) == "super"
    )


def _ordered_dict(call: ast.Call) -> list[ast.expr] | None:
    """The values of ``OrderedDict([("conv", c), ...])`` / ``OrderedDict({"conv": c})``."""
    if _final(dotted(call.func)) != "OrderedDict" or len(call.args) != 1:
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


def _appended(stmt: ast.stmt) -> tuple[str, list[ast.expr], bool] | None:
    """(receiver, added items, starts a new list) for a statement that adds layers."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if not isinstance(func, ast.Attribute) or call.keywords:
            return None
        receiver = dotted(func.value)
        if not receiver:
            return None
        if func.attr == "append" and len(call.args) == 1:
            return receiver, [call.args[0]], False
        if func.attr == "add_module" and len(call.args) == 2:
            return receiver, [call.args[1]], False
        if (
            func.attr == "extend"
            and len(call.args) == 1
            and isinstance(call.args[0], (ast.List, ast.Tuple))
        ):
            return receiver, list(call.args[0].elts), False
        return None
    if (
        isinstance(stmt, ast.AugAssign)
        and isinstance(stmt.op, ast.Add)
        and isinstance(stmt.value, (ast.List, ast.Tuple))
    ):
        receiver = dotted(stmt.target)
        return (receiver, list(stmt.value.elts), False) if receiver else None
    target = value = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign):
        target, value = stmt.target, stmt.value
    if isinstance(value, (ast.List, ast.Tuple)):
        receiver = dotted(target)
        return (receiver, list(value.elts), True) if receiver else None
    return None


def _chain(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str] | None:
    """The callables ``forward`` applies to its input, in order, when it does nothing else:
    ``x = self.conv(x); x = self.bn(x); return F.relu(x, inplace=True)``."""
    params = fn.args.args
    if len(params) != 2 or fn.args.vararg or fn.args.kwonlyargs:
        return None
    var = params[1].arg
    body = fn.body[_doc(fn.body) :]
    order: list[str] = []
    for i, stmt in enumerate(body):
        last = i == len(body) - 1
        if (
            not last
            and isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            calls = _unary(stmt.value, var)
            if calls is None:
                return None
            order += calls
            var = stmt.targets[0].id
        elif last and isinstance(stmt, ast.Return) and stmt.value is not None:
            if isinstance(stmt.value, ast.Name) and stmt.value.id == var:
                return order
            calls = _unary(stmt.value, var)
            return None if calls is None else order + calls
        else:
            return None
    return None


def _unary(expr: ast.expr, var: str) -> list[str] | None:
    calls: list[str] = []
    while isinstance(expr, ast.Call):
        name = dotted(expr.func)
        if not name or len(expr.args) != 1 or any(k.arg is None for k in expr.keywords):
            return None
        calls.append(name)
        expr = expr.args[0]
    if calls and isinstance(expr, ast.Name) and expr.id == var:
        return calls[::-1]
    return None


def _scales_input(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the method multiplies its input by something (``scale * input``)."""
    params = fn.args.args
    if len(params) < 2:
        return False
    var = params[1].arg

    def is_var(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == var

    for node in _own_nodes(fn.body):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            if is_var(node.left) or is_var(node.right):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("mul", "mul_") and (
                is_var(node.func.value) or any(is_var(a) for a in node.args)
            ):
                return True
    return False


def _mask_source(node: ast.AST, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    """The call that gives the mask its shape, when ``node`` draws a random keep-mask:
    ``torch.empty(s).bernoulli_(p)`` (also through a name: ``noise = torch.empty(s)``),
    ``torch.bernoulli(torch.full(s, p))``, ``torch.rand(s) < p``, ``p + torch.rand(s)``
    (then floored)."""
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("bernoulli_", "bernoulli"):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id != "torch":
            drawn = [v for v in _assigned(fn, receiver.id) if _creator(v)]
            receiver = drawn[0] if len(drawn) == 1 else receiver
        if _creator(receiver):
            return _creator(receiver)
        if dotted(func) == "torch.bernoulli" and node.args:
            for sub in ast.walk(node.args[0]):
                if _creator(sub):
                    return _creator(sub)
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        if isinstance(node.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            for side in (node.left, node.comparators[0]):
                if isinstance(side, ast.Call) and dotted(side.func) == "torch.rand":
                    return side
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for side in (node.left, node.right):
            if isinstance(side, ast.Call) and dotted(side.func) == "torch.rand":
                return side
    return None


def _creator(node: ast.AST) -> ast.Call | None:
    """``node`` when it is ``torch.empty(...)``, ``x.new_zeros(...)`` or the like."""
    if isinstance(node, ast.Call) and _final(dotted(node.func)) in _CREATORS:
        return node
    return None


def _assigned(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[ast.expr]:
    """The values assigned to ``name`` in the function (``name = value`` only)."""
    return [
        n.value
        for n in _own_statements(fn.body)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` and its blocks, not entering nested definitions."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (*_DEFS, ast.ClassDef)):
            continue
        for field in _BLOCKS:
            yield from _own_statements(getattr(stmt, field, None) or [])
        for part in getattr(stmt, "handlers", None) or getattr(stmt, "cases", None) or ():
            yield from _own_statements(part.body)


def _per_sample(shape: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the mask has one value per sample (``[N, 1, 1, 1]``) or one for the
    batch (``[1]``): a literal ``1`` as a size. A mask of the input's full shape
    is dropout, not stochastic depth."""
    args: list[ast.expr] = list(shape.args)
    if _final(dotted(shape.func)) in ("full", "new_full") and len(args) >= 2:
        args = args[:1]
    resolved: list[ast.expr] = []
    for arg in args:
        if isinstance(arg, ast.Name):
            resolved.extend(_assigned(fn, arg.id))
        else:
            resolved.append(arg)
    if any(_is_one(a) and isinstance(a, ast.Constant) for a in resolved):
        return True
    for arg in resolved:
        for sub in ast.walk(arg):
            if isinstance(sub, (ast.List, ast.Tuple)) and any(
                isinstance(e, ast.Constant) and _is_one(e) for e in sub.elts
            ):
                return True
    return False


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
