"""TVU301–TVU303 on small csrc trees: exact codes, lines, symbols, events, messages."""

from __future__ import annotations

from tests.cpp.support import analyse, brief, extract
from tvusage_lint.core import config
from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import EXEMPT, LOGGED, MISSING
from tvusage_lint.core.findings import Applicability
from tvusage_lint.cpp import rules

NMS_MISSING = """
    namespace vision {
    namespace ops {

    at::Tensor nms(
        const at::Tensor& dets,
        const at::Tensor& scores,
        double iou_threshold) {
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

IMAGE = """
    namespace vision {
    namespace image {
    static auto registry =
        torch::RegisterOperators()
            .op("image::decode_png", &decode_png)
            .op("image::encode_png", &encode_png)
            .op("image::_jpeg_version", &_jpeg_version);
    } // namespace image
    } // namespace vision
"""

ENCODE_PNG = """
    namespace vision {
    namespace image {

    #if !PNG_FOUND
    torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
      TORCH_CHECK(
          false, "encode_png: torchvision not compiled with libpng support");
    }
    #else
    torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
      // Define compression structures and error handling
      png_structp png_write;
      return data;
    }
    #endif

    int64_t _jpeg_version() {
      return 62;
    }

    } // namespace image
    } // namespace vision
"""


def test_tvu301_schema_front_end_without_the_macro() -> None:
    findings, entries = analyse({"ops/nms.cpp": NMS_MISSING})
    [finding] = findings
    assert brief(findings) == [
        ("TVU301", "torchvision/csrc/ops/nms.cpp", 4, 12, "vision::ops::nms"),
    ]
    assert finding.message == "`vision::ops::nms` does not call `C10_LOG_API_USAGE_ONCE`"
    assert (finding.event, finding.def_line, finding.end_column) == (
        "torchvision.csrc.ops.nms.nms",
        4,
        15,
    )
    assert finding.fix is not None
    assert finding.fix.title == 'Insert `C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms")`'
    assert (finding.fix.applicability, finding.fix.action) == (Applicability.SAFE, "cpp-insert")
    [entry] = entries
    assert (entry.symbol, entry.kind, entry.subpackage, entry.line, entry.status) == (
        "vision::ops::nms",
        "cpp",
        "ops",
        4,
        MISSING,
    )


def test_tvu301_operator_registered_in_another_file_and_the_stub_is_not_reported() -> None:
    files = {"io/image/image.cpp": IMAGE, "io/image/cpu/encode_png.cpp": ENCODE_PNG}
    findings, entries = analyse(files)
    assert brief(findings) == [
        (
            "TVU301",
            "torchvision/csrc/io/image/cpu/encode_png.cpp",
            10,
            15,
            "vision::image::encode_png",
        ),
    ]
    assert findings[0].event == "torchvision.csrc.io.image.cpu.encode_png.encode_png"
    # the stub at line 5 and the private `_jpeg_version` are not entry points
    assert [(e.symbol, e.line, e.status) for e in entries] == [
        ("vision::image::encode_png", 10, MISSING),
    ]


def test_without_the_tree_registry_only_the_file_own_registrations_count() -> None:
    findings, entries = analyse(
        {"io/image/image.cpp": IMAGE, "io/image/cpu/encode_png.cpp": ENCODE_PNG}, registry=False
    )
    assert (findings, entries) == ([], [])


def test_tvu302_wrong_string_and_symint_variants() -> None:
    code = """
        namespace vision {
        namespace ops {
        at::Tensor roi_align(const at::Tensor& input) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");
          return input;
        }
        at::Tensor roi_align_symint(const at::Tensor& input, c10::SymInt h) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.roi_align");
          return input;
        }
        at::Tensor ps_roi_align_symint(const at::Tensor& input) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.ps_roi_align_symint");
          return input;
        }
        at::Tensor ps_roi_align(const at::Tensor& input) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.ps_roi_align");
          return input;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def(TORCH_SELECTIVE_SCHEMA("torchvision::roi_align(Tensor input) -> Tensor"));
          m.def("torchvision::ps_roi_align(Tensor input) -> Tensor");
        }
        } // namespace ops
        } // namespace vision
    """
    findings, entries = analyse({"ops/roi_align.cpp": code})
    assert brief(findings) == [
        ("TVU302", "torchvision/csrc/ops/roi_align.cpp", 4, 26, "vision::ops::roi_align"),
    ]
    assert findings[0].message == (
        "`C10_LOG_API_USAGE_ONCE` in `vision::ops::roi_align` logs "
        "`torchvision.csrc.ops.nms.nms`, expected `torchvision.csrc.ops.roi_align.roi_align`"
    )
    assert findings[0].fix is not None
    assert findings[0].fix.title == (
        'Replace the event with `"torchvision.csrc.ops.roi_align.roi_align"`'
    )
    # a _symint variant may log its base name or its own
    assert [(e.symbol, e.status, e.event) for e in entries] == [
        ("vision::ops::roi_align", LOGGED, "torchvision.csrc.ops.roi_align.roi_align"),
        ("vision::ops::roi_align_symint", LOGGED, "torchvision.csrc.ops.roi_align.roi_align"),
        (
            "vision::ops::ps_roi_align_symint",
            LOGGED,
            "torchvision.csrc.ops.roi_align.ps_roi_align",
        ),
        ("vision::ops::ps_roi_align", LOGGED, "torchvision.csrc.ops.roi_align.ps_roi_align"),
    ]


def test_tvu302_argument_that_is_not_a_literal() -> None:
    code = """
        torch::List<torch::Tensor> probe_video_from_file(std::string videoPath) {
          C10_LOG_API_USAGE_ONCE(kProbeEvent);
          return probeVideo(true, videoPath);
        }
        TORCH_LIBRARY_FRAGMENT(video_reader, m) {
          m.def("probe_video_from_file", probe_video_from_file);
        }
    """
    findings, _ = analyse({"io/video_reader/video_reader.cpp": code})
    assert [(f.code, f.line, f.column, f.message) for f in findings] == [
        (
            "TVU302",
            2,
            26,
            "`C10_LOG_API_USAGE_ONCE` in `probe_video_from_file` does not log a string literal",
        )
    ]


def test_tvu303_not_first_and_the_constructor_of_a_registered_class() -> None:
    code = """
        namespace vision {
        namespace video {

        Video::Video(std::string videoPath, std::string stream, int64_t numThreads) {
          if (!videoPath.empty()) {
            initFromFile(videoPath, stream, numThreads);
          }
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.video.video.Vide");
        }

        void Video::Seek(double ts) {
          seekTS = ts;
        }

        static auto registerVideo =
            torch::class_<Video>("torchvision", "Video")
                .def(torch::init<std::string, std::string, int64_t>())
                .def("seek", &Video::Seek);

        } // namespace video
        } // namespace vision
    """
    findings, entries = analyse({"io/video/video.cpp": code})
    assert brief(findings) == [
        ("TVU303", "torchvision/csrc/io/video/video.cpp", 8, 3, "vision::video::Video::Video"),
        ("TVU302", "torchvision/csrc/io/video/video.cpp", 8, 26, "vision::video::Video::Video"),
    ]
    move = findings[0]
    assert move.message == (
        "`C10_LOG_API_USAGE_ONCE` is not the first statement of `vision::video::Video::Video`"
    )
    assert (move.event, move.def_line, move.end_line, move.end_column) == (
        "torchvision.csrc.io.video.video.Video",
        4,
        8,
        66,
    )
    assert move.fix is not None
    assert (move.fix.applicability, move.fix.action) == (Applicability.UNSAFE, "cpp-move")
    # the bound method `Seek` is not an entry point, the constructor is
    assert [(e.symbol, e.status) for e in entries] == [("vision::video::Video::Video", LOGGED)]


def test_kernels_private_ops_and_helpers_are_not_entry_points() -> None:
    code = """
        namespace vision {
        int64_t cuda_version() {
          return -1;
        }
        at::Tensor nms_kernel(const at::Tensor& dets) {
          return dets;
        }
        at::Tensor _nms_helper(const at::Tensor& dets) {
          return dets;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("_cuda_version", &cuda_version);
          m.def("torchvision::_nms_helper(Tensor dets) -> Tensor");
        }
        TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
          m.impl(TORCH_SELECTIVE_NAME("torchvision::nms"), TORCH_FN(nms_kernel));
        }
        } // namespace vision
    """
    assert analyse({"vision.cpp": code}) == ([], [])


def test_a_stray_call_with_another_function_name() -> None:
    code = """
        at::Tensor helper(const at::Tensor& x) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");
          return x;
        }
    """
    findings, entries = analyse({"ops/boxes.cpp": code})
    assert brief(findings) == [("TVU302", "torchvision/csrc/ops/boxes.cpp", 2, 26, "helper")]
    assert findings[0].event == "torchvision.csrc.ops.boxes.helper"
    assert entries == []


def test_settings_exempt_and_ignore() -> None:
    exempt = config.from_table({"exempt": ["vision::ops::*"]}, "test")
    findings, entries = analyse({"ops/nms.cpp": NMS_MISSING}, exempt)
    assert findings == []
    assert [(e.symbol, e.status, e.via) for e in entries] == [
        ("vision::ops::nms", EXEMPT, "exempt")
    ]

    ignored = config.from_table({"per-subpackage": {"ops": {"ignore": ["TVU301"]}}}, "test")
    findings, entries = analyse({"ops/nms.cpp": NMS_MISSING}, ignored)
    assert findings == []
    assert [e.status for e in entries] == [MISSING]
    findings, _ = analyse({"io/nms.cpp": NMS_MISSING}, ignored)
    assert [f.code for f in findings] == ["TVU301"]


def test_tvu001_for_a_file_that_does_not_parse() -> None:
    broken = extract("namespace vision {\nvoid f() {\n")
    findings, entries = rules.check(
        broken, path="x/csrc/ops/f.cpp", csrc_rel="ops/f.cpp", package="x", settings=Settings()
    )
    assert [(f.code, f.line, f.column, f.symbol, f.event, f.message) for f in findings] == [
        ("TVU001", 2, 1, "", "", "cannot parse C++: syntax error: expected '}'"),
    ]
    assert entries == []


def test_event_and_subpackage_names() -> None:
    assert rules.module_of("ops/cuda/nms_kernel.cu", "torchvision") == (
        "torchvision.csrc.ops.cuda.nms_kernel"
    )
    assert rules.module_of("io/image/cpu/decode_png.cpp", "tv") == "tv.csrc.io.image.cpu.decode_png"
    assert (rules.subpackage_of("io/video/video.cpp"), rules.subpackage_of("vision.cpp")) == (
        "io",
        "csrc",
    )
    assert rules.resolves("vision::image", "decode_png", "vision::image::decode_png")
    assert rules.resolves("vision::image", "decode_png", "vision::decode_png")
    assert not rules.resolves("vision::image", "decode_png", "vision::video::decode_png")
    assert rules.resolves("vision", "image::decode_png", "vision::image::decode_png")


def test_tvu302_spans_the_argument() -> None:
    code = """
        at::Tensor nms(const at::Tensor& dets) {
          C10_LOG_API_USAGE_ONCE(
              "torchvision.csrc.ops.nms."
              "nmz");
          return dets;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::nms(Tensor dets) -> Tensor");
        }
    """
    [finding] = analyse({"ops/nms.cpp": code})[0]
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (3, 7, 4, 12)
