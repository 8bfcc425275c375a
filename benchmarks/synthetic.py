"""A synthetic torchvision-shaped tree of N modules, and how tvusage-lint scales on it.

    python benchmarks/synthetic.py generate --modules 20000 --out /tmp/synth
    python benchmarks/synthetic.py measure --sizes 2500,5000,10000,20000 [--repeat 3]

``generate`` writes ``OUT/pyproject.toml`` and ``OUT/torchvision/`` with the
subpackages of torchvision (models, ops, transforms, datasets, io, utils), each
split into folders of 40 modules with ``__init__.py`` files that re-export
them (star imports and ``__all__``, as torchvision does). Modules look like
torchvision's: model classes whose base lives in another file of the folder,
submodule blocks, builders, ops with the TorchScript guard, transforms and
datasets that reach a logging base class through ``super().__init__()``,
private helpers, docstrings, about 100 lines each. About one entry point in
twenty misses its logging call (TVU101/102/103/105), so the rules have work.
The same seed gives the same tree.

``measure`` generates a tree per size and times, each a fresh process with
the default job count (one per core): cold ``check`` (no cache yet; it writes
one) and warm ``check`` (from that cache): wall clock, CPU seconds (user + sys,
workers included) and peak RSS of the largest process (``wait4``; forked parse
workers share the parent's pages), medians of ``--repeat`` runs (RSS: the
largest), and CPU seconds per 1,000 modules so a non-linear size shows. Not
part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_FOLDER = 40
SUBPACKAGES = ("models", "ops", "transforms", "datasets", "io", "utils")
SHARE = {"models": 0.3, "ops": 0.2, "transforms": 0.2, "datasets": 0.15, "io": 0.1, "utils": 0.05}

HELPER = '''\
import torch


def _log_api_usage_once(obj) -> None:
    """Logs API usage (module and name) within an organization."""
    module = obj.__module__
    if not module.startswith("torchvision"):
        module = f"torchvision.internal.{module}"
    name = obj.__class__.__name__
    if isinstance(obj, type(_log_api_usage_once)):
        name = obj.__name__
    torch._C._log_api_usage_once(f"{module}.{name}")
'''


def _helper_body(rng: random.Random, n: int) -> str:
    lines = []
    for i in range(n):
        lines.append(f"    value_{i} = x * {rng.randint(2, 9)} + {rng.randint(0, 99)}")
    lines.append(f"    return value_{n - 1}")
    return "\n".join(lines)


def _model(rng: random.Random, name: str, base: str, missing: bool) -> str:
    log = "" if missing else "        _log_api_usage_once(self)\n"
    return f'''\
import math
from functools import partial
from typing import Any, Callable, Optional

import torch
import torch.nn as nn
from torch import Tensor

from ...utils import _log_api_usage_once
from ._base import {base}

__all__ = ["{name}", "{name.lower()}_small", "{name.lower()}_large"]


class _{name}Block(nn.Module):
    """A building block: a submodule, not an entry point."""

    def __init__(self, channels: int, expansion: int = {rng.randint(2, 6)}) -> None:
        super().__init__()
        hidden = channels * expansion
        self.conv1 = nn.Conv2d(channels, hidden, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.conv2 = nn.Conv2d(hidden, channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class {name}(nn.Module):
    """{name} from "A Synthetic Architecture" (layers: {rng.randint(10, 200)})."""

    def __init__(
        self,
        layers: list[int],
        num_classes: int = 1000,
        dropout: float = {rng.choice(["0.0", "0.2", "0.5"])},
        norm_layer: Optional[Callable[..., nn.Module]] = None,
    ) -> None:
        super().__init__()
{log}        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.stem = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        blocks = []
        for depth in layers:
            blocks.extend(_{name}Block(64) for _ in range(depth))
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(self.stem(x))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(self.dropout(x))


class {name}Head({base}):
    """A head that reuses the folder's base (its __init__ logs)."""

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__(in_channels)
        self.cls = nn.Linear(in_channels, num_classes)


def _{name.lower()}(layers: list[int], weights: Optional[Any], progress: bool, **kwargs: Any) -> {name}:
    model = {name}(layers, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def {name.lower()}_small(*, weights: Optional[Any] = None, progress: bool = True, **kwargs: Any) -> {name}:
    """Builder: exempt, the class it returns logs."""
    return _{name.lower()}([2, 2, 2, 2], weights, progress, **kwargs)


def {name.lower()}_large(*, weights: Optional[Any] = None, progress: bool = True, **kwargs: Any) -> {name}:
    """Builder: exempt, the class it returns logs."""
    return _{name.lower()}([3, 4, 23, 3], weights, progress, **kwargs)


def _scale(x: float) -> float:
{_helper_body(rng, 6)}


def _make_divisible(v: float, divisor: int, min_value: Optional[int] = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return int(math.ceil(new_v))
'''


def _model_base(name: str) -> str:
    return f'''\
import torch.nn as nn

from ...utils import _log_api_usage_once


class {name}(nn.Module):
    """The base of this folder's heads: it logs once for all of them."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        _log_api_usage_once(self)
        self.in_channels = in_channels
'''


def _op(rng: random.Random, names: list[str], missing: set[str]) -> str:
    parts = [
        "import torch",
        "import torch.nn.functional as F",
        "from torch import Tensor",
        "",
        "from ...utils import _log_api_usage_once",
        "",
        f"__all__ = {names!r}",
        "",
    ]
    for name in names:
        log = (
            ""
            if name in missing
            else (
                "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
                f"        _log_api_usage_once({name})\n"
            )
        )
        parts.append(f'''

def {name}(boxes: Tensor, scores: Tensor, threshold: float = {rng.random():.2f}) -> Tensor:
    """Synthetic operator {name}: keeps the boxes whose score passes ``threshold``.

    Args:
        boxes (Tensor[N, 4]): boxes in ``(x1, y1, x2, y2)`` format.
        scores (Tensor[N]): one score per box.
        threshold (float): the score to pass.
    """
{log}    _assert_boxes(boxes)
    keep = scores > threshold
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = torch.argsort(area[keep], descending=True)
    return boxes[keep][order]''')
    parts.append("""

def _assert_boxes(boxes: Tensor) -> None:
    torch._assert(boxes.dim() == 2 and boxes.size(-1) == 4, "boxes must be [N, 4]")


def _upcast(t: Tensor) -> Tensor:
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()
""")
    return "\n".join(parts)


def _transform(rng: random.Random, name: str, missing: bool) -> str:
    call = "" if missing else "        super().__init__()\n"
    return f'''\
import numbers
from collections.abc import Sequence
from typing import Any, Optional

import torch
from torch import nn, Tensor

from ._transform import Transform

__all__ = ["{name}", "Random{name}"]


class {name}(Transform):
    """Synthetic transform {name} (p={rng.random():.2f}).

    Args:
        size (sequence or int): the output size.
        fill (number): the fill value.
    """

    def __init__(self, size: Sequence[int], fill: float = 0.0) -> None:
{call}        if isinstance(size, numbers.Number):
            size = (int(size), int(size))
        self.size = tuple(size)
        self.fill = fill

    def _transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if not isinstance(inpt, Tensor):
            return inpt
        pad = [max(0, s - d) for s, d in zip(self.size, inpt.shape[-2:])]
        return torch.nn.functional.pad(inpt, [0, pad[1], 0, pad[0]], value=self.fill)

    def extra_repr(self) -> str:
        return f"size={{self.size}}, fill={{self.fill}}"


class Random{name}({name}):
    """Applies {name} with probability p (inherits the logging of {name})."""

    def __init__(self, size: Sequence[int], p: float = 0.5) -> None:
        super().__init__(size)
        self.p = p

    def forward(self, *inputs: Any) -> Any:
        if torch.rand(1) >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return super().forward(*inputs)


def _get_params(shape: Sequence[int], scale: tuple[float, float]) -> dict[str, Any]:
    area = shape[-1] * shape[-2]
    target = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
    return {{"target": target, "ratio": {rng.random():.3f}}}
'''


def _transform_base() -> str:
    return '''\
from typing import Any

from torch import nn

from ...utils import _log_api_usage_once


class Transform(nn.Module):
    """The base of every transform of this folder: it logs."""

    def __init__(self) -> None:
        super().__init__()
        _log_api_usage_once(self)

    def _transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def forward(self, *inputs: Any) -> Any:
        flat = inputs if len(inputs) > 1 else inputs[0]
        return self._transform(flat, {})
'''


def _dataset(rng: random.Random, name: str, missing: bool) -> str:
    call = "" if missing else "        super().__init__(root, transform=transform)\n"
    return f'''\
import os
import os.path
from pathlib import Path
from typing import Any, Callable, Optional, Union

from PIL import Image

from ._vision import VisionDataset

__all__ = ["{name}"]


class {name}(VisionDataset):
    """Synthetic dataset {name} ({rng.randint(1, 100)}k images).

    Args:
        root (str or ``pathlib.Path``): Root directory of the dataset.
        split (string): one of ``"train"``, ``"val"``.
        transform (callable, optional): A function/transform of a PIL image.
    """

    url = "https://example.invalid/{name.lower()}.tar.gz"
    md5 = "{rng.getrandbits(128):032x}"

    def __init__(
        self,
        root: Union[str, Path],
        split: str = "train",
        transform: Optional[Callable] = None,
        download: bool = False,
    ) -> None:
{call}        self.split = split
        if download:
            self.download()
        self.samples = self._load_samples()

    def _load_samples(self) -> list[tuple[str, int]]:
        folder = os.path.join(str(self.root), self.split)
        samples = []
        for label, entry in enumerate(sorted(os.listdir(folder))):
            for file in sorted(os.listdir(os.path.join(folder, entry))):
                samples.append((os.path.join(folder, entry, file), label))
        return samples

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        img = Image.open(path).convert("RGB")
        if self.transform is not None:
            img = self.transform(img)
        return img, target

    def __len__(self) -> int:
        return len(self.samples)

    def download(self) -> None:
        raise RuntimeError("synthetic datasets cannot be downloaded")
'''


def _dataset_base() -> str:
    return '''\
from typing import Any, Callable, Optional

import torch.utils.data as data

from ...utils import _log_api_usage_once


class VisionDataset(data.Dataset):
    """The base every dataset of this folder reaches: it logs once for all of them."""

    def __init__(self, root: str, transform: Optional[Callable] = None) -> None:
        _log_api_usage_once(self)
        self.root = root
        self.transform = transform

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError
'''


def _functions(rng: random.Random, names: list[str], missing: set[str], subpackage: str) -> str:
    parts = [
        "import os",
        "from typing import Optional",
        "",
        "import torch",
        "",
        "from ...utils import _log_api_usage_once",
        "",
        f"__all__ = {names!r}",
    ]
    for name in names:
        log = (
            ""
            if name in missing
            else (
                "    if not torch.jit.is_scripting() and not torch.jit.is_tracing():\n"
                f"        _log_api_usage_once({name})\n"
            )
        )
        parts.append(f'''

def {name}(path: str, mode: Optional[str] = None) -> torch.Tensor:
    """Synthetic {subpackage} function {name}: reads ``path`` into a tensor."""
{log}    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    with open(path, "rb") as f:
        data = f.read()
    tensor = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    if mode == "{rng.choice(["RGB", "GRAY", "RGBA"])}":
        tensor = tensor.reshape(-1, {rng.randint(1, 4)})
    return tensor''')
    parts.append(f"""

def _checksum(data: bytes) -> int:
    total = 0
    for i, byte in enumerate(data):
        total = (total * {rng.randint(3, 97)} + byte + i) % 1000003
    return total
""")
    return "\n".join(parts)


def generate(out: Path, modules: int, seed: int = 0) -> int:
    """Write the tree; return how many ``.py`` files it has."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    top = out / "torchvision"
    top.mkdir(parents=True)
    (out / "pyproject.toml").write_text("[project]\nname = 'synthetic-torchvision'\n")
    (top / "utils.py").write_text(HELPER)
    (top / "__init__.py").write_text(
        "".join(f"from torchvision import {s}\n" for s in SUBPACKAGES if s != "utils")
    )
    written = 2
    counts = {s: max(1, round(modules * SHARE[s])) for s in SUBPACKAGES}
    counts["models"] += modules - sum(counts.values())
    for subpackage in SUBPACKAGES:
        package = top / f"_{subpackage}" if subpackage == "utils" else top / subpackage
        package.mkdir()
        folders = []
        left = counts[subpackage]
        f = 0
        while left > 0:
            take = min(PER_FOLDER, left)
            folder = package / f"group{f:03d}"
            folder.mkdir()
            names = _write_folder(rng, folder, subpackage, f, take)
            written += take + 1
            folders.append((folder.name, names))
            left -= take
            f += 1
        (package / "__init__.py").write_text(
            "".join(f"from .{name} import *\n" for name, _ in folders)
            + "\n__all__ = [\n"
            + "".join(f'    "{n}",\n' for _, names in folders for n in names)
            + "]\n"
        )
        written += 1
    return written


def _write_folder(
    rng: random.Random, folder: Path, subpackage: str, f: int, take: int
) -> list[str]:
    """``take`` modules in ``folder`` (a base module among them); their public names."""
    exported: list[str] = []
    modules: list[tuple[str, list[str]]] = []
    tag = f"{subpackage[:2].upper()}{f}"
    bodies = take - 1  # one module is the folder's base
    for i in range(bodies):
        miss = rng.random() < 0.05
        mod = f"m{i:03d}"
        if subpackage == "models":
            name = f"Net{tag}x{i}"
            text = _model(rng, name, f"_Base{tag}", miss)
            names = [name, f"{name.lower()}_small", f"{name.lower()}_large"]
        elif subpackage == "transforms":
            name = f"Op{tag}x{i}"
            text = _transform(rng, name, miss)
            names = [name, f"Random{name}"]
        elif subpackage == "datasets":
            name = f"Data{tag}x{i}"
            text = _dataset(rng, name, miss)
            names = [name]
        elif subpackage == "ops":
            names = [f"op_{tag.lower()}_{i}_{k}" for k in range(3)]
            text = _op(rng, names, {names[0]} if miss else set())
        else:
            names = [f"fn_{tag.lower()}_{i}_{k}" for k in range(3)]
            text = _functions(rng, names, {names[1]} if miss else set(), subpackage)
        (folder / f"{mod}.py").write_text(text)
        modules.append((mod, names))
        exported.extend(names)
    base = {
        "models": _model_base(f"_Base{tag}"),
        "transforms": _transform_base(),
        "datasets": _dataset_base(),
    }.get(subpackage, f'"""Shared constants of {subpackage} {tag}."""\n\nDEFAULT = {f}\n')
    base_name = {"transforms": "_transform", "datasets": "_vision"}.get(subpackage, "_base")
    (folder / f"{base_name}.py").write_text(base)
    (folder / "__init__.py").write_text(
        "".join(f"from .{mod} import {', '.join(names)}\n" for mod, names in modules)
        + "\n__all__ = [\n"
        + "".join(f'    "{n}",\n' for n in exported)
        + "]\n"
    )
    return exported


# --- measuring --------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB of the largest process) of one fresh process.

    CPU is user + sys of the process and its workers: on a shared machine it varies
    less than the wall clock."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["TVUSAGE_LINT_CACHE_DIR"] = str(cwd.parent / "cache")  # not the user's cache folder
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    err = proc.stderr.read().decode() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(sizes: list[int], repeat: int, python: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="tvusage-synth-"))
    cmd = [python, "-m", "tvusage_lint", "check", "-q", "torchvision"]
    print(
        f"{'modules':>8} {'files':>7} {'cold s':>7} {'cold cpu':>8} {'warm s':>7} "
        f"{'warm cpu':>8} {'cold MB':>8} {'warm MB':>8} {'cold cpu/1k':>11}"
    )
    try:
        for size in sizes:
            tree = base / str(size)
            files = generate(tree, size)
            cold, warm = [], []
            for _ in range(repeat):
                shutil.rmtree(base / "cache", ignore_errors=True)  # what _run points the cache at
                cold.append(_run(cmd, tree))
                warm.append(_run(cmd, tree))
            cw, cc = (statistics.median(r[k] for r in cold) for k in (0, 1))
            ww, wc = (statistics.median(r[k] for r in warm) for k in (0, 1))
            cm = max(r[2] for r in cold)
            wm = max(r[2] for r in warm)
            print(
                f"{size:>8} {files:>7} {cw:>7.2f} {cc:>8.2f} {ww:>7.2f} {wc:>8.2f} "
                f"{cm:>8.0f} {wm:>8.0f} {cc / size * 1000:>11.3f}",
                flush=True,
            )
            shutil.rmtree(tree)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a synthetic tree")
    gen.add_argument("--modules", type=int, default=20_000)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=0)
    mea = sub.add_parser("measure", help="cold/warm time and peak RSS at several sizes")
    mea.add_argument("--sizes", default="2500,5000,10000,20000")
    mea.add_argument("--repeat", type=int, default=3)
    mea.add_argument("--python", default=sys.executable, help="an interpreter with tvusage_lint")
    args = parser.parse_args()
    if args.command == "generate":
        files = generate(args.out, args.modules, args.seed)
        print(f"{files} files under {args.out / 'torchvision'}")
    else:
        measure([int(s) for s in args.sizes.split(",")], args.repeat, args.python)


if __name__ == "__main__":
    main()
