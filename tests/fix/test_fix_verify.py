"""The safety check: a fix may change logging and nothing else."""

from __future__ import annotations

from tvusage_lint.fix.verify import check

GUARD = "if not torch.jit.is_scripting() and not torch.jit.is_tracing():"

OLD = """\
import torch

from ..utils import _make_ntuple


def nms(boxes):
    \"\"\"Doc.\"\"\"
    torch._C._log_api_usage_once("torchvision.ops.nms")
    return boxes


class C(nn.Module):
    def __init__(self):
        _log_api_usage_once(self)
        super().__init__()
"""


def test_same_text_passes() -> None:
    assert check(OLD, OLD) == ""


def test_logging_changes_pass() -> None:
    new = f"""\
import torch

from ..utils import _log_api_usage_once, _make_ntuple


def nms(boxes):
    \"\"\"Doc.\"\"\"
    {GUARD}
        _log_api_usage_once(nms)
    return boxes


class C(nn.Module):
    def __init__(self):
        super().__init__()
        if not torch.jit.is_scripting():
            utils._log_api_usage_once(self)
"""
    assert check(OLD, new) == ""


def test_one_added_bare_import_torch_passes() -> None:
    old = "import math\n\n\ndef f(x):\n    return x\n"
    new = f"import math\nimport torch\n\n\ndef f(x):\n    {GUARD}\n        _log_api_usage_once(f)\n    return x\n"
    assert check(old, new) == ""
    assert check(new.replace("import torch\n", "import torch\nimport torch\n"), new) != ""
    assert check(old, "import torch\nimport torch\n" + old) == (
        "the fix added more than one `import torch`"
    )


def test_other_changes_fail() -> None:
    reason = "the fix changed more than logging (safety check failed)"
    assert check(OLD, OLD.replace("return boxes", "return None")) == reason
    assert check(OLD, OLD.replace("import torch\n", "import torch\nimport os\n")) == reason
    assert check(OLD, "import torch as t\n" + OLD) == reason
    assert check(OLD, OLD.replace("import torch\n", "")) == "the fix removed an `import torch`"


def test_guard_with_more_than_logging_is_not_logging() -> None:
    old = "def f(x):\n    return x\n"
    new = f"def f(x):\n    {GUARD}\n        _log_api_usage_once(f)\n        x = 1\n    return x\n"
    assert check(old, new) != ""
    with_else = f"def f(x):\n    {GUARD}\n        _log_api_usage_once(f)\n    else:\n        pass\n    return x\n"
    assert check(old, with_else) != ""


def test_logging_in_an_expression_is_not_stripped() -> None:
    old = 'def f(x):\n    y = _log_api_usage_once("f")\n'
    assert check(old, old.replace('("f")', "(f)")) != ""


def test_broken_new_text_fails() -> None:
    assert check(OLD, OLD + "def (:\n").startswith("the fixed text does not parse")
