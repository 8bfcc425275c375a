"""C++ facts: what libclang and the text views give for torchvision-shaped code."""

from __future__ import annotations

import pickle
import subprocess
import sys

from tests.cpp.support import extract, source
from tvusage_lint.cpp import facts
from tvusage_lint.cpp.facts import (
    KIND_CONSTRUCTOR,
    KIND_FUNCTION,
    KIND_METHOD,
    REG_CLASS,
    REG_DEF,
    REG_OP,
    REG_SCHEMA,
    Registration,
)

NMS = """
    #include "nms.h"

    #include <ATen/core/dispatch/Dispatcher.h>
    #include <torch/library.h>

    namespace vision {
    namespace ops {

    at::Tensor nms(
        const at::Tensor& dets,
        const at::Tensor& scores,
        double iou_threshold) {
      C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");
      static auto op = c10::Dispatcher::singleton()
                           .findSchemaOrThrow("torchvision::nms", "")
                           .typed<decltype(nms)>();
      return op.call(dets, scores, iou_threshold);
    }

    TORCH_LIBRARY_FRAGMENT(torchvision, m) {
      m.def(TORCH_SELECTIVE_SCHEMA(
          "torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"));
    }

    } // namespace ops
    } // namespace vision
"""


def test_function_with_unknown_types_is_found_with_its_body_and_call() -> None:
    got = extract(NMS)
    assert got.error == ""
    nms = got.functions[0]
    assert (nms.qualname, nms.kind, nms.line, nms.name_line, nms.name_column) == (
        "vision::ops::nms",
        KIND_FUNCTION,
        9,
        9,
        12,
    )
    text = source(NMS)
    assert text[nms.body_open] == "{" and text[nms.body_close] == "}"
    assert text[nms.body_close + 1 :].startswith("\n\nTORCH_LIBRARY_FRAGMENT")
    [call] = nms.logs
    assert (call.line, call.column, call.event, call.first) == (
        13,
        3,
        "torchvision.csrc.ops.nms.nms",
        True,
    )
    assert text[call.start : call.end] == 'C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");'
    assert text[call.arg_start : call.arg_end] == '"torchvision.csrc.ops.nms.nms"'
    assert got.registrations == (
        Registration(REG_SCHEMA, "torchvision::nms", "nms", "vision::ops", 21),
    )


def test_comments_between_signature_and_brace() -> None:
    got = extract(
        """
        namespace vision {
        at::Tensor roi_align(
            const at::Tensor& input, // Input feature map.
            bool aligned) // The flag for pixel shift
        // along each axis.
        {
          // a comment before the first statement
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.roi_align");
          return input;
        }
        } // namespace vision
        """
    )
    [function] = got.functions
    [call] = function.logs
    assert (function.qualname, function.line, call.line, call.first) == (
        "vision::roi_align",
        2,
        8,
        True,
    )
    assert (function.insert_prefix, function.indent, function.inline) == ("  ", "  ", False)


def test_multi_line_call_and_concatenated_literals() -> None:
    got = extract(
        """
        at::Tensor read_file(const std::string& filename) {
          C10_LOG_API_USAGE_ONCE(
              "torchvision.csrc.io.image.cpu."
              "read_write_file.read_file");
          return at::Tensor();
        }
        """
    )
    [call] = got.functions[0].logs
    assert call.event == "torchvision.csrc.io.image.cpu.read_write_file.read_file"
    assert (call.line, call.arg_line, call.arg_column, call.end_line) == (2, 3, 7, 4)


def test_argument_that_is_not_a_literal_has_no_event() -> None:
    got = extract(
        """
        void f() {
          C10_LOG_API_USAGE_ONCE(kEventName);
        }
        """
    )
    [call] = got.functions[0].logs
    assert call.event is None


def test_out_of_line_constructor_of_a_class_from_a_missing_header() -> None:
    got = extract(
        """
        #include "video.h"

        namespace vision {
        namespace video {

        Video::Video(std::string videoPath, std::string stream, int64_t numThreads) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.video.video.Video");
        }

        bool Video::Seek(double ts, bool fastSeek = false) {
          return true;
        }

        static auto registerVideo =
            torch::class_<Video>("torchvision", "Video")
                .def(torch::init<std::string, std::string, int64_t>())
                .def("seek", &Video::Seek);

        } // namespace video
        } // namespace vision
        """,
        "io/video/video.cpp",
    )
    assert [(f.qualname, f.kind, f.line) for f in got.functions] == [
        ("vision::video::Video::Video", KIND_CONSTRUCTOR, 6),
        ("vision::video::Video::Seek", KIND_METHOD, 10),
    ]
    assert got.parses == 2  # the second parse declares `Video` to keep its definitions
    # `.def("seek", ...)` binds a method of the class: not an operator registration
    assert got.registrations == (Registration(REG_CLASS, "Video", "Video", "vision::video", 15),)


def test_registrations_forms() -> None:
    got = extract(
        """
        namespace vision {
        namespace image {
        static auto registry =
            torch::RegisterOperators()
                .op("image::decode_png", &decode_png)
                .op("image::_jpeg_version", &_jpeg_version);
        }  // namespace image

        TORCH_LIBRARY_FRAGMENT(video_reader, m) {
          m.def("read_video_from_file", read_video_from_file);
          m.def("probe(Tensor x) -> Tensor", &vision::probe);
          m.def("lambda", [](int64_t x) { return x; });
        }

        TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
          m.impl(TORCH_SELECTIVE_NAME("torchvision::nms"), TORCH_FN(nms_kernel));
        }
        } // namespace vision
        """,
        "io/image/image.cpp",
    )
    assert got.registrations == (
        Registration(REG_OP, "image::decode_png", "decode_png", "vision::image", 5),
        Registration(REG_OP, "image::_jpeg_version", "_jpeg_version", "vision::image", 6),
        Registration(REG_DEF, "read_video_from_file", "read_video_from_file", "vision", 10),
        Registration(REG_DEF, "probe", "vision::probe", "vision", 11),
    )


def test_feature_branches_give_the_stub_and_the_real_definition() -> None:
    got = extract(
        """
        namespace vision {
        namespace image {

        #if !PNG_FOUND
        torch::Tensor decode_png(const torch::Tensor& data, ImageReadMode mode) {
          TORCH_CHECK(
              false, "decode_png: torchvision not compiled with libPNG support");
        }
        #else
        torch::Tensor decode_png(const torch::Tensor& data, ImageReadMode mode) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.decode_png.decode_png");
          TORCH_CHECK(data.dim() == 1, "Expected a 1-dimensional tensor")
          return data;
        }
        #endif

        } // namespace image
        } // namespace vision
        """,
        "io/image/cpu/decode_png.cpp",
    )
    assert [(f.qualname, f.line, f.stub, len(f.logs)) for f in got.functions] == [
        ("vision::image::decode_png", 5, True, 0),
        ("vision::image::decode_png", 10, False, 1),
    ]
    assert got.parses == 1  # libclang keeps the excluded branch too


def test_a_signature_split_across_branches_falls_back_to_configurations() -> None:
    got = extract(
        """
        #if !JPEG_FOUND
        #error "this build needs libjpeg"
        #endif
        #ifdef USE_LONG
        at::Tensor nms(const at::Tensor& dets, long x) {
        #else
        at::Tensor nms(const at::Tensor& dets, int x) {
        #endif
          return dets;
        }
        """
    )
    # every branch at once gives "expected '}'": one parse per configuration does not
    assert (got.error, got.parses) == ("", 3)
    assert [(f.qualname, f.line) for f in got.functions] == [("nms", 7)]


def test_stub_bodies() -> None:
    got = extract(
        """
        int a() { throw std::runtime_error("no"); }
        int b() { AT_ERROR("not compiled"); return 0; }
        int c() { TORCH_CHECK(0, "x"); }
        int d() { TORCH_CHECK(x > 0, "x"); return 1; }
        int e() { return 0; }
        int f() {}
        """
    )
    assert [(f.name, f.stub) for f in got.functions] == [
        ("a", True),
        ("b", True),
        ("c", True),
        ("d", False),
        ("e", False),
        ("f", False),
    ]


def test_feature_macros_leave_out_include_guards_and_function_like_macros() -> None:
    views = facts._views(
        source(
            """
            #ifndef VISION_H
            #define VISION_H
            #if defined(WITH_CUDA) && !JPEG_FOUND
            #elif __has_include(<png.h>) || TORCH_VERSION_GE(2, 1)
            #ifdef _WIN32
            #endif
            #endif
            #endif
            """
        )
    )
    assert facts.feature_macros(views.nocomment) == ["JPEG_FOUND", "WITH_CUDA", "_WIN32"]


def test_cuda_file() -> None:
    got = extract(
        """
        namespace vision {
        namespace ops {
        namespace {
        template <typename T>
        __global__ void nms_kernel_impl(int n_boxes, const T* dev_boxes) {
          const int row_start = blockIdx.y;
        }
        at::Tensor nms_kernel(const at::Tensor& dets, double iou_threshold) {
          nms_kernel_impl<float><<<blocks, threads, 0, stream>>>(dets.size(0), nullptr);
          return dets;
        }
        } // namespace
        } // namespace ops
        } // namespace vision
        """,
        "ops/cuda/nms_kernel.cu",
    )
    assert got.error == ""
    assert [(f.qualname, f.line) for f in got.functions] == [
        ("vision::ops::nms_kernel_impl", 4),  # a template starts at `template`
        ("vision::ops::nms_kernel", 8),
    ]


def test_objective_c_plus_plus_file() -> None:
    got = extract(
        """
        namespace vision {
        at::Tensor nms_kernel(const at::Tensor& dets) {
          id<MTLDevice> device = MPSDevice::getInstance()->device();
          [device newLibraryWithSource:source options:options error:&error];
          return dets;
        }
        }
        """,
        "ops/mps/nms_kernel.mm",
    )
    assert got.error == ""
    assert [f.qualname for f in got.functions] == ["vision::nms_kernel"]


def test_syntax_error_is_one_line_with_its_line() -> None:
    got = extract(
        """
        namespace vision {
        at::Tensor nms(const at::Tensor& dets) {
          if (dets.numel() == 0) {
            return dets;
        }
        }
        """
    )
    assert (got.error, got.error_line, got.functions) == ("syntax error: expected '}'", 6, ())


def test_unreadable_files() -> None:
    assert facts.extract(b"int f() {}\0\0", "x.cpp").error == "binary file (contains NUL bytes)"
    bad = facts.extract(b"int f() {}\n// caf\xe9\n", "x.cpp")
    assert (bad.error, bad.error_line) == ("not valid UTF-8 (byte 17)", 2)
    open_comment = facts.extract(b"int f() {}\n/* never closed\nint g() {}\n", "x.cpp")
    assert (open_comment.error, open_comment.error_line) == ("unterminated /* comment", 2)
    assert facts.extract(b"", "x.cpp").error == ""


def test_facts_depend_on_the_bytes_only_and_pickle() -> None:
    data = source(NMS).encode()
    one = facts.extract(data, "nms.cpp")
    # `#include "nms.h"` must never reach a real file next to some path
    assert facts.extract(data, "other_name.cpp") == one
    assert pickle.loads(pickle.dumps(one)) == one


def test_offsets_are_characters_after_non_ascii_text_and_a_bom() -> None:
    text = "\ufeff// Ünïcödé — comment\nint f() {\n  return 0;\n}\n"
    got = facts.extract(text.encode("utf-8"), "x.cpp")
    plain = text[1:]  # what a reader decoding with utf-8-sig sees
    [function] = got.functions
    assert plain[function.body_open] == "{" and plain[function.body_close] == "}"
    assert plain[function.insert_start :].startswith("  return 0;")


def test_crlf_is_kept() -> None:
    got = facts.extract(b"void f() {\r\n  g();\r\n}\r\n", "x.cpp")
    [function] = got.functions
    assert (got.newline, function.insert_suffix) == ("\r\n", "\r\n")


def test_suppressions_are_stored() -> None:
    got = extract("int f() {  // tvusage: ignore[TVU301]\n}\n")
    assert got.suppressions == ((1, ("TVU301",)),)


def test_libclang_is_loaded_only_by_extract() -> None:
    code = (
        "import sys\n"
        "import tvusage_lint.cpp.facts, tvusage_lint.cpp.rules, tvusage_lint.fix.cpp\n"
        "assert 'clang' not in sys.modules, 'imported at import time'\n"
        "tvusage_lint.cpp.facts.extract(b'int f() {}', 'x.cpp')\n"
        "assert 'clang.cindex' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
