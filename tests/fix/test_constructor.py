"""A class without a constructor gets ``def __init__(self) -> None:`` (fix/constructor.py)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, fix, write_tree
from tvusage_lint.core.findings import Applicability, Finding, Fix
from tvusage_lint.fix.python import fix_text
from tvusage_lint.fix.verify import check as verify

# torchvision 0.11's transforms.py: ToTensor and PILToTensor have no __init__ and no base.
TRANSFORMS_011 = '''
import torch
from torch import Tensor

from . import functional as F


class ToTensor:
    """Convert a ``PIL Image`` or ``numpy.ndarray`` to tensor."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return self.__class__.__name__ + "()"


class PILToTensor:
    """Convert a ``PIL Image`` to a tensor of the same type."""

    # keep the dtype
    def __call__(self, pic):
        return F.pil_to_tensor(pic)


class Lambda(object):
    def __call__(self, img):
        return img


class Normalize(torch.nn.Module):
    def forward(self, tensor: Tensor) -> Tensor:
        return tensor
'''

FIXED_011 = '''
import torch
from torch import Tensor

from ..utils import _log_api_usage_once
from . import functional as F


class ToTensor:
    """Convert a ``PIL Image`` or ``numpy.ndarray`` to tensor."""

    def __init__(self) -> None:
        _log_api_usage_once(self)

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return self.__class__.__name__ + "()"


class PILToTensor:
    """Convert a ``PIL Image`` to a tensor of the same type."""

    def __init__(self) -> None:
        _log_api_usage_once(self)

    # keep the dtype
    def __call__(self, pic):
        return F.pil_to_tensor(pic)


class Lambda(object):
    def __init__(self) -> None:
        _log_api_usage_once(self)

    def __call__(self, img):
        return img


class Normalize(torch.nn.Module):
    def forward(self, tensor: Tensor) -> Tensor:
        return tensor
'''


def test_class_without_init_and_base_gets_a_logging_init(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/transforms/transforms.py": TRANSFORMS_011})
    result = check(tmp_path)
    assert brief(result.findings) == [
        ("TVU101", 7, "torchvision.transforms.transforms.ToTensor"),
        ("TVU101", 17, "torchvision.transforms.transforms.PILToTensor"),
        ("TVU101", 25, "torchvision.transforms.transforms.Lambda"),
        ("TVU101", 30, "torchvision.transforms.transforms.Normalize"),
    ]
    fixes = [f.fix.action if f.fix else None for f in result.findings]
    assert fixes == ["add-init", "add-init", "add-init", None]  # nn.Module: no __init__ to add
    fix(tmp_path, unsafe=False)
    text = (tmp_path / "torchvision/transforms/transforms.py").read_text()
    assert text == FIXED_011.lstrip("\n")
    assert brief(check(tmp_path).findings) == [
        ("TVU101", 40, "torchvision.transforms.transforms.Normalize")
    ]


def add_init(target: str, import_: str = "") -> Finding:
    fix = Fix("add-init", Applicability.SAFE, "add-init", target, (("import", import_),))
    return Finding(path="t.py", line=1, column=1, code="TVU101", message="m", fix=fix)


def test_no_docstring_no_methods_and_existing_constructor() -> None:
    text = "class A:\n    def __call__(self):\n        return 1\n\n\nclass B:\n    x = 1\n"
    result = fix_text(text, [add_init("A"), add_init("B")], unsafe=False, module_name="m")
    assert result.skipped == []
    assert result.text == (
        "class A:\n"
        "    def __init__(self) -> None:\n"
        "        _log_api_usage_once(self)\n"
        "\n"
        "    def __call__(self):\n"
        "        return 1\n"
        "\n"
        "\n"
        "class B:\n"
        "    x = 1\n"
        "\n"
        "    def __init__(self) -> None:\n"
        "        _log_api_usage_once(self)\n"
    )
    again = fix_text(result.text, [add_init("A")], unsafe=False, module_name="m")
    assert [reason for _, reason in again.skipped] == ["`A` already has a constructor"]


def test_verify_accepts_the_init_only_without_a_base() -> None:
    old = "class A:\n    x = 1\n"
    new = "class A:\n    x = 1\n\n    def __init__(self) -> None:\n        _log_api_usage_once(self)\n"
    assert verify(old, new) == ""
    based = old.replace("class A:", "class A(Base):")
    assert verify(based, new.replace("class A:", "class A(Base):")) == (
        "the fix changed more than logging (safety check failed)"
    )
    with_arg = new.replace("(self)", "(self, x)", 1)
    assert verify(old, with_arg) == "the fix changed more than logging (safety check failed)"
