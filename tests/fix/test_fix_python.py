"""The libcst fixer, one action at a time: exact text before and after."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tvusage_lint.core.findings import Applicability, Finding, Fix
from tvusage_lint.fix import FixResult
from tvusage_lint.fix import python as fixer
from tvusage_lint.fix.python import fix_text

GUARD = "if not torch.jit.is_scripting() and not torch.jit.is_tracing():"


def finding(action: str, target: str = "", *, unsafe: bool = False, **params: str) -> Finding:
    return Finding(
        path="torchvision/ops/boxes.py",
        line=int(params.get("line", 1)),
        column=1,
        code="TVU000",
        message="test",
        fix=Fix(
            title=action,
            applicability=Applicability.UNSAFE if unsafe else Applicability.SAFE,
            action=action,
            target=target,
            params=tuple((k.replace("import_", "import"), v) for k, v in params.items()),
        ),
    )


def insert(target: str, arg: str, style: str, import_: str = "") -> Finding:
    return finding("insert-log", target, arg=arg, style=style, import_=import_)


def at(action: str, line: int, col: int, **params: str) -> Finding:
    unsafe = action == "move-log"
    return finding(action, unsafe=unsafe, line=str(line), col=str(col), **params)


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fixed(text: str, *findings: Finding, module: str = "torchvision.ops.boxes") -> FixResult:
    result = fix_text(src(text), list(findings), unsafe=True, module_name=module)
    assert result.skipped == [], result.skipped
    return result


def reasons(result: FixResult) -> list[str]:
    return [reason for _, reason in result.skipped]


# --- insert-log ---------------------------------------------------------------------------


def test_constructor_after_super_init() -> None:
    before = """
        import torch.nn as nn

        from ..utils import _log_api_usage_once


        class ResNet(nn.Module):
            def __init__(self, layers: int) -> None:
                super().__init__()
                # the stem
                self.conv = nn.Conv2d(3, 64, 7)
        """
    result = fixed(before, insert("ResNet.__init__", "self", "constructor"))
    assert result.text == src(
        """
        import torch.nn as nn

        from ..utils import _log_api_usage_once


        class ResNet(nn.Module):
            def __init__(self, layers: int) -> None:
                super().__init__()
                _log_api_usage_once(self)
                # the stem
                self.conv = nn.Conv2d(3, 64, 7)
        """
    )
    assert [f.fix.action for f in result.applied] == ["insert-log"]


def test_constructor_statements_before_super_stay_first() -> None:
    """``ops.misc.ConvNormActivation`` builds its layers, then calls ``super().__init__``."""
    before = """
        class ConvNormActivation(torch.nn.Sequential):
            def __init__(self, in_channels, out_channels):
                layers = [Conv2d(in_channels, out_channels)]
                if norm:
                    layers.append(norm(out_channels))
                super().__init__(
                    *layers,
                )
                self.out_channels = out_channels
        """
    result = fixed(before, insert("ConvNormActivation.__init__", "self", "constructor"))
    assert result.text == src(
        """
        class ConvNormActivation(torch.nn.Sequential):
            def __init__(self, in_channels, out_channels):
                layers = [Conv2d(in_channels, out_channels)]
                if norm:
                    layers.append(norm(out_channels))
                super().__init__(
                    *layers,
                )
                _log_api_usage_once(self)
                self.out_channels = out_channels
        """
    )


def test_constructor_without_super_goes_after_the_docstring() -> None:
    before = '''
        class VisionDataset(data.Dataset):
            def __init__(self, root):
                """Keep the root."""

                if isinstance(root, str):
                    root = os.path.expanduser(root)
        '''
    result = fixed(before, insert("VisionDataset.__init__", "self", "constructor"))
    assert result.text == src(
        '''
        class VisionDataset(data.Dataset):
            def __init__(self, root):
                """Keep the root."""
                _log_api_usage_once(self)

                if isinstance(root, str):
                    root = os.path.expanduser(root)
        '''
    )


def test_constructor_old_style_super_and_no_docstring() -> None:
    before = """
        class A(Base):
            def __init__(self):
                Base.__init__(self)
                self.a = 1


        class B:
            def __init__(self):
                self.b = 1
        """
    result = fixed(
        before,
        insert("A.__init__", "self", "constructor"),
        insert("B.__init__", "self", "constructor"),
    )
    assert result.text == src(
        """
        class A(Base):
            def __init__(self):
                Base.__init__(self)
                _log_api_usage_once(self)
                self.a = 1


        class B:
            def __init__(self):
                _log_api_usage_once(self)
                self.b = 1
        """
    )


def test_function_wrapped_after_docstring() -> None:
    before = '''
        import torch


        def nms(boxes, scores, iou_threshold):
            """
            Performs non-maximum suppression.
            """
            _assert_has_ops()
            return torch.ops.torchvision.nms(boxes, scores, iou_threshold)
        '''
    result = fixed(before, insert("nms", "nms", "wrap", import_="..utils"))
    assert result.text == src(
        f'''
        import torch

        from ..utils import _log_api_usage_once


        def nms(boxes, scores, iou_threshold):
            """
            Performs non-maximum suppression.
            """
            {GUARD}
                _log_api_usage_once(nms)
            _assert_has_ops()
            return torch.ops.torchvision.nms(boxes, scores, iou_threshold)
        '''
    )


def test_indentation_follows_the_def_body() -> None:
    before = "import torch\n\n\ndef f(x):\n  y = x\n  return y\n"
    result = fixed(before, insert("f", "f", "wrap"))
    assert result.text == (
        f"import torch\n\n\ndef f(x):\n  {GUARD}\n    _log_api_usage_once(f)\n  y = x\n  return y\n"
    )


def test_method_in_tab_indented_class() -> None:
    before = "class C:\n\tdef __init__(self):\n\t\tself.x = 1\n"
    result = fixed(before, insert("C.__init__", "self", "constructor"))
    assert (
        result.text
        == "class C:\n\tdef __init__(self):\n\t\t_log_api_usage_once(self)\n\t\tself.x = 1\n"
    )


def test_after_early_return_keeps_blank_lines_around() -> None:
    """transforms v2: ``if torch.jit.is_scripting(): return ...``, a blank line, the call."""
    before = '''
        def horizontal_flip(inpt: torch.Tensor) -> torch.Tensor:
            """See :class:`~torchvision.transforms.v2.RandomHorizontalFlip` for details."""
            if torch.jit.is_scripting():
                return horizontal_flip_image(inpt)

            kernel = _get_kernel(horizontal_flip, type(inpt))
            return kernel(inpt)


        def vertical_flip(inpt):
            if torch.jit.is_scripting():
                return vertical_flip_image(inpt)
            # dispatch
            kernel = _get_kernel(vertical_flip, type(inpt))
            return kernel(inpt)
        '''
    result = fixed(
        before,
        insert("horizontal_flip", "horizontal_flip", "after-early-return"),
        insert("vertical_flip", "vertical_flip", "after-early-return"),
    )
    assert result.text == src(
        '''
        def horizontal_flip(inpt: torch.Tensor) -> torch.Tensor:
            """See :class:`~torchvision.transforms.v2.RandomHorizontalFlip` for details."""
            if torch.jit.is_scripting():
                return horizontal_flip_image(inpt)

            _log_api_usage_once(horizontal_flip)

            kernel = _get_kernel(horizontal_flip, type(inpt))
            return kernel(inpt)


        def vertical_flip(inpt):
            if torch.jit.is_scripting():
                return vertical_flip_image(inpt)

            _log_api_usage_once(vertical_flip)

            # dispatch
            kernel = _get_kernel(vertical_flip, type(inpt))
            return kernel(inpt)
        '''
    )


def test_after_early_return_without_one_is_skipped() -> None:
    text = "def f(x):\n    return x\n"
    result = fix_text(text, [insert("f", "f", "after-early-return")], unsafe=False, module_name="m")
    assert result.text == text
    assert reasons(result) == ["`f` does not start with `if torch.jit.is_scripting(): return ...`"]


def test_insert_is_idempotent_and_skips_already_logged() -> None:
    before = '''
        import torch

        from ..utils import _log_api_usage_once


        def nms(boxes):
            """Doc."""
            return boxes
        '''
    findings = [insert("nms", "nms", "wrap", import_="..utils")]
    once = fixed(before, *findings)
    again = fix_text(once.text, findings, unsafe=False, module_name="torchvision.ops.boxes")
    assert again.text == once.text
    assert not again.changed
    assert reasons(again) == ["already logged"]


def test_insert_next_to_another_logging_call_is_skipped() -> None:
    """Logging twice is worse than a call in an outdated form; the rules report that one."""
    text = 'def nms(boxes):\n    _log_api_usage_once("torchvision.ops.nms")\n    return boxes\n'
    result = fix_text(text, [insert("nms", "nms", "wrap")], unsafe=False, module_name="m")
    assert result.text == text
    assert reasons(result) == ["`nms` already has a logging call; fix that one instead"]


def test_insert_merged_with_a_rewrite_of_the_same_def() -> None:
    before = """
        def nms(boxes):
            if not torch.jit.is_scripting():
                _log_api_usage_once("torchvision.ops.nms")
            return boxes
        """
    result = fix_text(
        src(before),
        [insert("nms", "nms", "wrap"), at("rewrite-log", 3, 8, arg="nms", guard="wrap")],
        unsafe=False,
        module_name="m",
    )
    assert result.text == src(before).replace('"torchvision.ops.nms"', "nms")
    assert reasons(result) == ["already logged"]


def test_defs_under_module_level_blocks_async_and_decorated() -> None:
    before = """
        if sys.version_info >= (3, 11):

            @torch.no_grad()
            async def read(path):
                return path

        else:
            def read(path):
                return None
        """
    result = fixed(before, insert("read", "read", "constructor"))
    assert result.text == src(before).replace(
        "        return None", "        _log_api_usage_once(read)\n        return None"
    )


def test_def_with_only_a_docstring() -> None:
    result = fixed(
        'class C:\n    def __init__(self):\n        """Doc."""\n',
        insert("C.__init__", "self", "constructor"),
    )
    assert (
        result.text
        == 'class C:\n    def __init__(self):\n        """Doc."""\n        _log_api_usage_once(self)\n'
    )


def test_two_findings_on_one_def_insert_once() -> None:
    """TVU101 and TVU105 on the same class: one call, one import."""
    before = """
        class StochasticDepth(nn.Module):
            def __init__(self, p: float) -> None:
                super().__init__()
                self.p = p
        """
    one = insert("StochasticDepth.__init__", "self", "constructor", import_="..utils")
    result = fixed(before, one, one)
    assert result.text == src(
        """
        from ..utils import _log_api_usage_once


        class StochasticDepth(nn.Module):
            def __init__(self, p: float) -> None:
                super().__init__()
                _log_api_usage_once(self)
                self.p = p
        """
    )
    assert len(result.applied) == 2


def test_unknown_target_and_one_line_body_are_skipped() -> None:
    text = "def f(x): return x\n"
    result = fix_text(
        text,
        [insert("g", "g", "wrap"), insert("f", "f", "wrap"), finding("frobnicate")],
        unsafe=False,
        module_name="m",
    )
    assert result.text == text
    assert reasons(result) == [
        "no definition `g` in this file",
        "`f` has a one-line body",
        "unknown fix action `frobnicate`",
    ]  # in the order given


def test_unsafe_fixes_are_left_alone_unless_asked() -> None:
    text = "class C:\n    def __init__(self):\n        _log_api_usage_once(self)\n        super().__init__()\n"
    move = at("move-log", 3, 8, style="constructor")
    result = fix_text(text, [move], unsafe=False, module_name="m")
    assert (result.text, result.applied, result.skipped) == (text, [], [])


# --- imports ------------------------------------------------------------------------------


def test_import_merged_into_existing_line_in_sorted_place() -> None:
    before = """
        from ..utils import _make_ntuple, _ovewrite_named_param


        def f(x):
            return x
        """
    result = fixed(before, insert("f", "f", "constructor", import_="..utils"))
    assert result.text.splitlines()[0] == (
        "from ..utils import _log_api_usage_once, _make_ntuple, _ovewrite_named_param"
    )


def test_import_merged_into_parenthesized_line() -> None:
    before = """
        from torchvision.utils import (
            _Image_fromarray,
            draw_bounding_boxes,  # keep me
        )


        def f(x):
            return x
        """
    result = fixed(before, insert("f", "f", "constructor", import_="torchvision.utils"))
    assert result.text == src(
        """
        from torchvision.utils import (
            _Image_fromarray,
            _log_api_usage_once,
            draw_bounding_boxes,  # keep me
        )


        def f(x):
            _log_api_usage_once(f)
            return x
        """
    )


def test_import_appended_to_unsorted_parenthesized_line() -> None:
    before = "from . import (\n    zeta,\n    alpha\n)\n\n\ndef f(x):\n    return x\n"
    result = fixed(before, insert("f", "f", "constructor", import_="."))
    assert result.text.startswith(
        "from . import (\n    zeta,\n    alpha,\n    _log_api_usage_once\n)\n"
    )


def test_new_import_goes_after_last_import_in_its_own_block() -> None:
    before = '''
        """Boxes."""

        from __future__ import annotations

        import math

        import torch
        from torch import Tensor


        def f(x):
            return x
        '''
    result = fixed(before, add_import("..utils"))
    assert result.text == src(
        '''
        """Boxes."""

        from __future__ import annotations

        import math

        import torch
        from torch import Tensor

        from ..utils import _log_api_usage_once


        def f(x):
            return x
        '''
    )


def test_new_import_sorted_into_a_sorted_block() -> None:
    """ops/boxes.py: usort puts ``..utils`` before ``._box_convert``."""
    before = """
        import torch
        from torchvision.extension import _assert_has_ops

        # box helpers
        from ._box_convert import _box_cxcywh_to_xyxy
        from ._utils import _upcast


        def f(x):
            return x
        """
    result = fixed(before, add_import("..utils"))
    assert result.text == src(
        """
        import torch
        from torchvision.extension import _assert_has_ops

        from ..utils import _log_api_usage_once
        # box helpers
        from ._box_convert import _box_cxcywh_to_xyxy
        from ._utils import _upcast


        def f(x):
            return x
        """
    )


def test_new_import_after_docstring_when_no_imports() -> None:
    before = '''
        """Module."""


        def f(x):
            return x
        '''
    result = fixed(before, add_import("torchvision.utils"), module="torchvision.io.image")
    assert result.text == src(
        '''
        """Module."""

        from torchvision.utils import _log_api_usage_once


        def f(x):
            return x
        '''
    )


def test_torch_import_added_when_a_guard_needs_it() -> None:
    before = """
        import math

        from ..utils import _log_api_usage_once


        def f(x):
            return math.floor(x)
        """
    result = fixed(before, insert("f", "f", "wrap"))
    assert result.text == src(
        f"""
        import math

        import torch

        from ..utils import _log_api_usage_once


        def f(x):
            {GUARD}
                _log_api_usage_once(f)
            return math.floor(x)
        """
    )


def test_torch_import_goes_before_first_party_imports() -> None:
    before = "from ..utils import _make_ntuple\n\n\ndef f(x):\n    return x\n"
    result = fixed(before, insert("f", "f", "wrap", import_="..utils"))
    assert result.text == (
        "import torch\n\nfrom ..utils import _log_api_usage_once, _make_ntuple\n\n\n"
        f"def f(x):\n    {GUARD}\n        _log_api_usage_once(f)\n    return x\n"
    )


def test_torch_bound_by_an_alias_is_not_enough() -> None:
    """``import torch.utils.data as data`` binds ``data``, not ``torch``."""
    before = "import torch.utils.data as data\n\n\ndef f(x):\n    return x\n"
    result = fixed(before, wrap_target("f"))
    assert result.text.startswith("import torch\nimport torch.utils.data as data\n")


def wrap_target(name: str) -> Finding:
    return insert(name, name, "wrap")


def add_import(source: str) -> Finding:
    return finding("add-import", import_=source)


def test_import_never_added_twice() -> None:
    before = """
        def f(x):
            return x


        def g(x):
            return x
        """
    result = fixed(
        before,
        insert("f", "f", "constructor", import_="..utils"),
        insert("g", "g", "constructor", import_="..utils"),
        add_import("..utils"),
    )
    assert result.text.count("import _log_api_usage_once") == 1
    assert result.text.startswith("from ..utils import _log_api_usage_once\n\n\ndef f(x):\n")


def test_add_import_when_already_imported_is_skipped() -> None:
    text = "from torchvision.utils import _log_api_usage_once\n"
    result = fix_text(text, [add_import("..utils")], unsafe=False, module_name="m")
    assert (result.text, reasons(result)) == (text, ["already imported"])


def test_import_from_the_module_itself_is_skipped() -> None:
    """torchvision 0.11: ``utils.py`` calls the helper it does not define yet."""
    text = "def make_grid(x):\n    _log_api_usage_once(make_grid)\n"
    for source in ("torchvision.utils", ".utils"):
        result = fix_text(text, [add_import(source)], unsafe=False, module_name="torchvision.utils")
        assert result.text == text
        assert reasons(result) == [
            f"`{source}` is this module; define `_log_api_usage_once` here instead"
        ]


def test_helper_module_itself_gets_no_import() -> None:
    text = "def _log_api_usage_once(obj):\n    pass\n\n\ndef f(x):\n    return x\n"
    result = fix_text(
        text, [insert("f", "f", "constructor", import_="..utils")], unsafe=False, module_name="m"
    )
    assert "import" not in result.text


# --- rewrite-log --------------------------------------------------------------------------


def test_rewrite_string_form_keeps_guard_and_comment() -> None:
    before = f"""
        def nms(boxes):
            {GUARD}
                _log_api_usage_once("torchvision.ops.nms")  # old style
            return boxes
        """
    result = fixed(before, at("rewrite-log", 3, 8, arg="nms", guard="none"))
    assert result.text == src(
        f"""
        def nms(boxes):
            {GUARD}
                _log_api_usage_once(nms)  # old style
            return boxes
        """
    )


def test_rewrite_two_argument_form_in_constructor() -> None:
    before = """
        class C(nn.Module):
            def __init__(self):
                super().__init__()
                _log_api_usage_once(self.__module__, self.__class__.__name__)
        """
    result = fixed(before, at("rewrite-log", 4, 8, arg="self", guard="none"))
    assert result.text.splitlines()[3] == "        _log_api_usage_once(self)"


def test_rewrite_torch_c_form_wraps_and_imports() -> None:
    before = '''
        import torch


        def read_video(filename):
            """Read."""
            torch._C._log_api_usage_once(
                "torchvision.io.read_video"
            )
            return filename
        '''
    result = fixed(
        before, at("rewrite-log", 6, 4, arg="read_video", guard="wrap", import_="..utils")
    )
    assert result.text == src(
        f'''
        import torch

        from ..utils import _log_api_usage_once


        def read_video(filename):
            """Read."""
            {GUARD}
                _log_api_usage_once(read_video)
            return filename
        '''
    )


def test_rewrite_already_guarded_by_scripting_only_is_not_rewrapped() -> None:
    before = """
        def f(x):
            if not torch.jit.is_scripting():
                _log_api_usage_once(g)
            return x
        """
    result = fixed(before, at("rewrite-log", 3, 8, arg="f", guard="wrap"))
    assert result.text == src(before).replace("(g)", "(f)")


def test_rewrite_then_move_of_the_same_call() -> None:
    before = """
        class C(nn.Module):
            def __init__(self):
                _log_api_usage_once(self.__module__, "C")
                super().__init__()
                self.x = 1
        """
    result = fixed(
        before,
        at("rewrite-log", 3, 8, arg="self", guard="none"),
        at("move-log", 3, 8, style="constructor"),
    )
    assert result.text == src(
        """
        class C(nn.Module):
            def __init__(self):
                super().__init__()
                _log_api_usage_once(self)
                self.x = 1
        """
    )


def test_call_inside_an_expression_is_not_rewritten() -> None:
    text = 'def f(x):\n    y = _log_api_usage_once("f")\n    return x\n'
    result = fix_text(
        text, [at("rewrite-log", 2, 8, arg="f", guard="none")], unsafe=False, module_name="m"
    )
    assert result.text == text
    assert reasons(result) == ["the call is part of an expression, not a statement of its own"]


def test_position_with_non_ascii_before_the_call() -> None:
    text = 'def f(x):\n    s = "é"; _log_api_usage_once("f")\n    return x\n'
    col = len('    s = "é"; '.encode())
    result = fix_text(
        text, [at("rewrite-log", 2, col, arg="f", guard="none")], unsafe=False, module_name="m"
    )
    assert result.text == text.replace('("f")', "(f)")


def test_no_call_at_the_position() -> None:
    text = "def f(x):\n    return x\n"
    result = fix_text(
        text, [at("rewrite-log", 2, 4, arg="f", guard="none")], unsafe=False, module_name="m"
    )
    assert reasons(result) == ["no logging call at 2:5"]


# --- wrap-log, rewrite-guard --------------------------------------------------------------


def test_wrap_keeps_comments_and_blank_lines() -> None:
    before = """
        import torch


        def box_area(boxes):
            # log first

            _log_api_usage_once(box_area)  # usage
            return boxes
        """
    result = fixed(before, at("wrap-log", 7, 4))
    assert result.text == src(
        f"""
        import torch


        def box_area(boxes):
            # log first

            {GUARD}
                _log_api_usage_once(box_area)  # usage
            return boxes
        """
    )


def test_wrap_of_a_guarded_call_is_skipped() -> None:
    text = f"def f(x):\n    {GUARD}\n        _log_api_usage_once(f)\n"
    result = fix_text(text, [at("wrap-log", 3, 8)], unsafe=False, module_name="m")
    assert reasons(result) == ["already guarded"]


def test_rewrite_guard_adds_the_tracing_check() -> None:
    before = """
        import torch


        def f(x):
            if not torch.jit.is_scripting():  # TorchScript
                _log_api_usage_once(f)
            if not torch.jit.is_scripting() and x:
                pass
            return x
        """
    result = fixed(before, at("rewrite-guard", 6, 8))
    assert result.text == src(before).replace("if not torch.jit.is_scripting():  #", GUARD + "  #")


def test_rewrite_guard_one_line_form() -> None:
    before = (
        "import torch\n\n\ndef f(x):\n    if not torch.jit.is_scripting(): _log_api_usage_once(f)\n"
    )
    result = fixed(before, at("rewrite-guard", 5, 37))
    assert result.text.splitlines()[4] == f"    {GUARD} _log_api_usage_once(f)"


# --- move-log -----------------------------------------------------------------------------


def test_move_before_super_to_after_it() -> None:
    before = """
        class VGG(nn.Module):
            def __init__(self, features):
                _log_api_usage_once(self)
                super().__init__()
                self.features = features
        """
    result = fixed(before, at("move-log", 3, 8, style="constructor"))
    assert result.text == src(
        """
        class VGG(nn.Module):
            def __init__(self, features):
                super().__init__()
                _log_api_usage_once(self)
                self.features = features
        """
    )


def test_move_with_its_guard_to_the_top_and_keep_neighbour_comments() -> None:
    before = f'''
        def roi_align(x):
            """Doc."""
            y = x + 1

            # compute
            {GUARD}
                _log_api_usage_once(roi_align)
            return y
        '''
    result = fixed(before, at("move-log", 7, 8, style="wrap"))
    assert result.text == src(
        f'''
        def roi_align(x):
            """Doc."""
            {GUARD}
                _log_api_usage_once(roi_align)
            y = x + 1

            # compute
            return y
        '''
    )


def test_move_and_wrap_of_the_same_call() -> None:
    before = """
        import torch


        def f(x):
            x = x + 1
            _log_api_usage_once(f)
            return x
        """
    result = fixed(before, at("wrap-log", 6, 4), at("move-log", 6, 4, style="wrap"))
    assert result.text == src(
        f"""
        import torch


        def f(x):
            {GUARD}
                _log_api_usage_once(f)
            x = x + 1
            return x
        """
    )


def test_move_after_early_return() -> None:
    before = """
        def resize(inpt):
            _log_api_usage_once(resize)
            if torch.jit.is_scripting():
                return resize_image(inpt)

            kernel = _get_kernel(resize, type(inpt))
            return kernel(inpt)
        """
    result = fixed(before, at("move-log", 2, 4, style="after-early-return"))
    assert result.text == src(
        """
        def resize(inpt):
            if torch.jit.is_scripting():
                return resize_image(inpt)

            _log_api_usage_once(resize)

            kernel = _get_kernel(resize, type(inpt))
            return kernel(inpt)
        """
    )


def test_move_out_of_a_block_it_would_empty_is_skipped() -> None:
    text = "class C:\n    def __init__(self, a):\n        super().__init__()\n        if a:\n            _log_api_usage_once(self)\n"
    result = fix_text(
        text, [at("move-log", 5, 12, style="constructor")], unsafe=True, module_name="m"
    )
    assert (result.text, reasons(result)) == (text, ["moving the call would leave an empty block"])


def test_move_out_of_a_nested_block() -> None:
    before = """
        class C(nn.Module):
            def __init__(self, a):
                super().__init__()
                if a:
                    self.a = a
                    _log_api_usage_once(self)
        """
    result = fixed(before, at("move-log", 6, 12, style="constructor"))
    assert result.text == src(
        """
        class C(nn.Module):
            def __init__(self, a):
                super().__init__()
                _log_api_usage_once(self)
                if a:
                    self.a = a
        """
    )


# --- remove-suppression -------------------------------------------------------------------


def test_remove_whole_trailing_suppression() -> None:
    text = "def f(x):  # tvusage: ignore[TVU102]\n    return x  # keep\n"
    result = fix_text(text, [suppression(1)], unsafe=False, module_name="m")
    assert result.text == "def f(x):\n    return x  # keep\n"


def test_remove_some_codes_and_standalone_line() -> None:
    text = (
        "# tvusage: ignore\n"
        "def f(x):\n"
        "    return x  # tvusage: ignore[TVU102, TVU201]\n"
        "y = 1  # noqa: F401  # tvusage: ignore\n"
    )
    result = fix_text(
        text,
        [suppression(1), suppression(3, "TVU201"), suppression(4)],
        unsafe=False,
        module_name="m",
    )
    assert result.text == (
        "def f(x):\n    return x  # tvusage: ignore[TVU102]\ny = 1  # noqa: F401\n"
    )


def test_suppression_in_a_string_is_not_touched() -> None:
    text = 'x = "# tvusage: ignore"\n'
    result = fix_text(text, [suppression(1)], unsafe=False, module_name="m")
    assert (result.text, reasons(result)) == (text, ["no suppression comment on line 1"])


def suppression(line: int, codes: str = "") -> Finding:
    params = {"line": str(line)}
    if codes:
        params["codes"] = codes
    return finding("remove-suppression", **params)


# --- the file as a whole ------------------------------------------------------------------


MESSY = '''\
#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""A module   with odd   formatting."""
import torch   # torch


from ..utils import (   _make_ntuple ,
    )
x = [1,2,
     3]   # trailing



class  C( nn.Module ) :
    def __init__( self ,a ) :   # ctor
        super( C , self ).__init__( )
        self.a=a  ;  self.b = a


        # spacer
    def other(self): return 1
def  f ( x ) :
    """Doc."""  # doc comment
    return   x*2
'''


def test_untouched_code_is_byte_identical() -> None:
    result = fixed(
        MESSY,
        insert("C.__init__", "self", "constructor", import_="..utils"),
        insert("f", "f", "wrap", import_="..utils"),
    )
    new = result.text.splitlines(keepends=True)
    added = [
        "from ..utils import (   _log_api_usage_once, _make_ntuple ,\n",
        "        _log_api_usage_once(self)\n",
        f"    {GUARD}\n",
        "        _log_api_usage_once(f)\n",
    ]
    assert [line for line in new if line not in MESSY.splitlines(keepends=True)] == added
    assert (
        "".join(line for line in new if line not in added[1:]).replace("_log_api_usage_once, ", "")
        == MESSY
    )


def test_crlf_file_keeps_crlf() -> None:
    text = 'import torch\r\n\r\n\r\ndef nms(boxes):\r\n    """Doc."""\r\n    return boxes\r\n'
    result = fix_text(
        text, [insert("nms", "nms", "wrap", import_="..utils")], unsafe=False, module_name="m"
    )
    assert result.text == (
        "import torch\r\n\r\nfrom ..utils import _log_api_usage_once\r\n\r\n\r\n"
        f'def nms(boxes):\r\n    """Doc."""\r\n    {GUARD}\r\n'
        "        _log_api_usage_once(nms)\r\n    return boxes\r\n"
    )
    assert "\n" not in result.text.replace("\r\n", "")


def test_failed_verification_returns_the_text_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixer, "check", lambda old, new: "the fix changed more than logging")
    text = "def f(x):\n    return x\n"
    findings = [insert("f", "f", "constructor"), insert("g", "g", "constructor")]
    result = fix_text(text, findings, unsafe=False, module_name="m")
    assert result.text == text
    assert not result.changed
    assert reasons(result) == [
        "the fix changed more than logging",
        "no definition `g` in this file",
    ]


def test_unparsable_text_is_skipped() -> None:
    text = "def f(:\n"
    result = fix_text(text, [insert("f", "f", "wrap")], unsafe=False, module_name="m")
    assert result.text == text
    assert reasons(result)[0].startswith("libcst cannot parse the file")


def test_libcst_is_not_imported_before_fixing() -> None:
    code = (
        "import sys, tvusage_lint.fix, tvusage_lint.fix.verify, tvusage_lint.python.facts\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_call_takes_the_place_of_a_lone_pass() -> None:
    before = """
        class ToTensor:
            def __init__(self) -> None:
                pass


        class Keep:
            def __init__(self) -> None:
                pass  # on purpose
        """
    result = fixed(
        before,
        insert("ToTensor.__init__", "self", "constructor"),
        insert("Keep.__init__", "self", "constructor"),
    )
    assert result.text == src(
        """
        class ToTensor:
            def __init__(self) -> None:
                _log_api_usage_once(self)


        class Keep:
            def __init__(self) -> None:
                _log_api_usage_once(self)
                pass  # on purpose
        """
    )
