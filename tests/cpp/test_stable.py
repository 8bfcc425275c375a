"""Stable ABI or legacy, per translation unit, and the stable registration forms."""

from __future__ import annotations

import textwrap

import pytest

from tvusage_lint.core.config import Settings
from tvusage_lint.cpp import facts, rules
from tvusage_lint.cpp.stable import ABI_LEGACY, ABI_STABLE, ABI_UNKNOWN, Library, qualify


def unit(text: str, name: str = "input.cpp"):
    return facts.extract(textwrap.dedent(text).lstrip("\n").encode(), name).unit


@pytest.mark.parametrize(
    ("text", "abi"),
    [
        ("#include <torch/csrc/stable/library.h>\nint f() { return 1; }\n", ABI_STABLE),
        ("#include <torch/headeronly/util/Exception.h>\n", ABI_STABLE),
        ('STABLE_TORCH_LIBRARY_FRAGMENT(image, m) {\n  m.def("f() -> int");\n}\n', ABI_STABLE),
        ("int f() { return g(TORCH_BOX(&h)); }\n", ABI_STABLE),
        ("#include <ATen/ATen.h>\n", ABI_LEGACY),
        ("#include <torch/library.h>\n", ABI_LEGACY),
        ('TORCH_LIBRARY_FRAGMENT(torchvision, m) {\n  m.def("f() -> int");\n}\n', ABI_LEGACY),
        ('static auto r = torch::RegisterOperators().op("image::f", &f);\n', ABI_LEGACY),
        # a helper unit, a vendored C file: no evidence, checked as before
        ('#include "common_jpeg.h"\n#include <cstring>\nint f() { return 0; }\n', ABI_UNKNOWN),
        # the C shim underlies the stable ABI and is included by both kinds
        ("#include <torch/csrc/inductor/aoti_torch/c/shim.h>\n", ABI_UNKNOWN),
        # half ported: counts as stable, so nothing from c10 is ever inserted
        ("#include <ATen/ATen.h>\n#include <torch/csrc/stable/tensor.h>\n", ABI_STABLE),
    ],
)
def test_classification(text: str, abi: str) -> None:
    assert unit(text).abi == abi


def test_evidence_is_kept_with_lines() -> None:
    found = unit(
        """
        #include <ATen/ATen.h>
        // TORCH_BOX( in a comment is no evidence
        const char* s = "torch_call_dispatcher(";
        #include <torch/csrc/stable/tensor.h>
        """
    )
    assert [(m.text, m.line) for m in found.stable] == [("torch/csrc/stable/tensor.h", 4)]
    assert [(m.text, m.line) for m in found.legacy] == [("ATen/ATen.h", 1)]


def test_libraries_kernels_and_dispatcher_calls() -> None:
    found = unit(
        """
        #include <torch/csrc/stable/library.h>
        namespace vision {
        Tensor roi_align(const Tensor& input) {
          TORCH_ERROR_CODE_CHECK(torch_call_dispatcher(
              "torchvision::roi_align", "", stack.data(), TORCH_ABI_VERSION));
          return input;
        }
        STABLE_TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("roi_align(Tensor input) -> Tensor");
        }
        STABLE_TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
          m.impl("roi_align", TORCH_BOX(&roi_align_forward_kernel));
          // m.impl("commented", TORCH_BOX(&out));
        }
        }
        """
    )
    assert found.libraries == (
        Library("STABLE_TORCH_LIBRARY_FRAGMENT", "torchvision", "", 8, 10),
        Library("STABLE_TORCH_LIBRARY_IMPL", "torchvision", "CPU", 11, 14),
    )
    assert [(k.op, k.target, k.line) for k in found.kernels] == [
        ("roi_align", "roi_align_forward_kernel", 12)
    ]
    assert [(c.op, c.line) for c in found.dispatcher_calls] == [("torchvision::roi_align", 4)]
    assert found.library_at(9) == found.libraries[0]
    assert found.library_at(3) is None


def test_legacy_kernels_are_read_too() -> None:
    found = unit(
        """
        #include <torch/library.h>
        TORCH_LIBRARY_IMPL(torchvision, CUDA, m) {
          m.impl(
              TORCH_SELECTIVE_NAME("torchvision::roi_align"),
              TORCH_FN(roi_align_forward_kernel));
        }
        """,
        "roi_align_kernel.cu",
    )
    assert found.abi == ABI_LEGACY
    assert [(k.op, k.target) for k in found.kernels] == [
        ("torchvision::roi_align", "roi_align_forward_kernel")
    ]


def test_qualify() -> None:
    library = Library("STABLE_TORCH_LIBRARY_FRAGMENT", "image", "", 1, 3)
    assert qualify("decode_jpeg(Tensor data) -> Tensor", library) == "image::decode_jpeg"
    assert qualify("torchvision::nms.out", None) == "torchvision::nms"
    assert qualify("torchvision::nms(Tensor dets) -> Tensor", library) == "torchvision::nms"
    assert qualify("read_video", None) == "read_video"


STABLE_FRONT_END = """
#include <torch/csrc/stable/library.h>

namespace vision {
namespace ops {

Tensor nms(const Tensor& dets, const Tensor& scores, double iou_threshold) {
  TORCH_ERROR_CODE_CHECK(torch_call_dispatcher(
      "torchvision::nms", "", stack.data(), TORCH_ABI_VERSION));
  return torch::stable::detail::to<Tensor>(stack[0]);
}

STABLE_TORCH_LIBRARY_FRAGMENT(torchvision, m) {
  m.def("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor");
}

} // namespace ops
} // namespace vision
"""


def test_cpp_rules_leave_a_stable_unit_alone() -> None:
    fact = facts.extract(STABLE_FRONT_END.lstrip("\n").encode(), "nms.cpp")
    assert fact.unit.abi == ABI_STABLE
    found, entries = rules.check(
        fact,
        path="torchvision/csrc/ops/nms.cpp",
        csrc_rel="ops/nms.cpp",
        package="torchvision",
        settings=Settings(),
    )
    assert (found, entries) == ([], [])


def test_the_same_unit_with_legacy_registration_is_still_checked() -> None:
    legacy = STABLE_FRONT_END.replace(
        "#include <torch/csrc/stable/library.h>", "#include <torch/library.h>"
    )
    legacy = legacy.replace("STABLE_TORCH_LIBRARY_FRAGMENT", "TORCH_LIBRARY_FRAGMENT")
    legacy = legacy.replace("torch_call_dispatcher", "call_op")
    fact = facts.extract(legacy.lstrip("\n").encode(), "nms.cpp")
    assert fact.unit.abi == ABI_LEGACY
    found, _ = rules.check(
        fact,
        path="torchvision/csrc/ops/nms.cpp",
        csrc_rel="ops/nms.cpp",
        package="torchvision",
        settings=Settings(),
    )
    assert [(f.code, f.line, f.symbol) for f in found] == [("TVU301", 6, "vision::ops::nms")]
