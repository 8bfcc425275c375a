"""C++ fixes: the exact text they give, and what they refuse to do."""

from __future__ import annotations

from dataclasses import replace

from tests.cpp.support import analyse, fixed, path_of, source
from tvusage_lint.core.findings import Edit
from tvusage_lint.fix.cpp import OVERLAP, fix_text

SCHEMA = """
    TORCH_LIBRARY_FRAGMENT(torchvision, m) {
      m.def("torchvision::roi_align(Tensor input) -> Tensor");
    }
"""


def test_insert_after_a_brace_preceded_by_comments() -> None:
    code = """
        at::Tensor roi_align(
            const at::Tensor& input, // Input feature map.
            bool aligned) // The flag for pixel shift
        // along each axis.
        {
          // Check the input
          TORCH_CHECK(input.dim() == 4, "bad input");
          return input;
        }
    """
    assert fixed({"ops/roi_align.cpp": code + SCHEMA}, "ops/roi_align.cpp") == source(
        """
        at::Tensor roi_align(
            const at::Tensor& input, // Input feature map.
            bool aligned) // The flag for pixel shift
        // along each axis.
        {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.roi_align");
          // Check the input
          TORCH_CHECK(input.dim() == 4, "bad input");
          return input;
        }
        """
        + SCHEMA
    )


def test_a_long_event_is_wrapped_like_clang_format() -> None:
    code = """
        namespace vision {
        namespace video_reader {
        torch::List<torch::Tensor> probe_video_from_memory(torch::Tensor input_video) {
          return probeVideo(false, input_video, "");
        }
        TORCH_LIBRARY_FRAGMENT(video_reader, m) {
          m.def("probe_video_from_memory", probe_video_from_memory);
        }
        } // namespace video_reader
        } // namespace vision
    """
    rel = "io/video_reader/video_reader.cpp"
    assert fixed({rel: code}, rel) == source(
        """
        namespace vision {
        namespace video_reader {
        torch::List<torch::Tensor> probe_video_from_memory(torch::Tensor input_video) {
          C10_LOG_API_USAGE_ONCE(
              "torchvision.csrc.io.video_reader.video_reader.probe_video_from_memory");
          return probeVideo(false, input_video, "");
        }
        TORCH_LIBRARY_FRAGMENT(video_reader, m) {
          m.def("probe_video_from_memory", probe_video_from_memory);
        }
        } // namespace video_reader
        } // namespace vision
        """
    )


def test_insert_into_one_line_and_empty_bodies() -> None:
    code = """
        namespace vision {
            at::Tensor roi_align(const at::Tensor& input) { return input; }
            void ps_roi_align(const at::Tensor& input) {}
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::roi_align(Tensor input) -> Tensor");
          m.def("torchvision::ps_roi_align(Tensor input) -> ()");
        }
    """
    result = fixed({"ops/roi_align.cpp": code}, "ops/roi_align.cpp")
    assert result == source(
        """
        namespace vision {
            at::Tensor roi_align(const at::Tensor& input) { C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.roi_align"); return input; }
            void ps_roi_align(const at::Tensor& input) {
              C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.ps_roi_align");
            }
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::roi_align(Tensor input) -> Tensor");
          m.def("torchvision::ps_roi_align(Tensor input) -> ()");
        }
        """  # noqa: E501
    )


def test_insert_goes_into_the_real_implementation_not_the_stub() -> None:
    code = """
        namespace vision {
        namespace image {

        #if !PNG_FOUND
        torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
          TORCH_CHECK(
              false, "encode_png: torchvision not compiled with libpng support");
        }
        #else
        torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
          return data;
        }
        #endif

        static auto registry =
            torch::RegisterOperators().op("image::encode_png", &encode_png);
        } // namespace image
        } // namespace vision
    """
    rel = "io/image/cpu/encode_png.cpp"
    assert fixed({rel: code}, rel) == source(
        """
        namespace vision {
        namespace image {

        #if !PNG_FOUND
        torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
          TORCH_CHECK(
              false, "encode_png: torchvision not compiled with libpng support");
        }
        #else
        torch::Tensor encode_png(const torch::Tensor& data, int64_t compression_level) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.encode_png.encode_png");
          return data;
        }
        #endif

        static auto registry =
            torch::RegisterOperators().op("image::encode_png", &encode_png);
        } // namespace image
        } // namespace vision
        """
    )


def test_rewrite_keeps_a_multi_line_call_shape() -> None:
    code = """
        namespace vision {
        namespace image {
        torch::Tensor read_file(const std::string& filename) {
          C10_LOG_API_USAGE_ONCE(
              "torchvision.csrc.io.image.cpu.read_write_file.write_file");
          return torch::Tensor();
        }
        static auto registry = torch::RegisterOperators().op("image::read_file", &read_file);
        } // namespace image
        } // namespace vision
    """
    rel = "io/image/cpu/read_write_file.cpp"
    assert fixed({rel: code}, rel) == source(
        """
        namespace vision {
        namespace image {
        torch::Tensor read_file(const std::string& filename) {
          C10_LOG_API_USAGE_ONCE(
              "torchvision.csrc.io.image.cpu.read_write_file.read_file");
          return torch::Tensor();
        }
        static auto registry = torch::RegisterOperators().op("image::read_file", &read_file);
        } // namespace image
        } // namespace vision
        """
    )


VIDEO = """
    namespace vision {
    namespace video {

    Video::Video(std::string videoPath, std::string stream, int64_t numThreads) {
      if (!videoPath.empty()) {
        initFromFile(videoPath, stream, numThreads);
      }
      C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.video.video.Vid");
    }

    static auto registerVideo = torch::class_<Video>("torchvision", "Video")
                                    .def(torch::init<std::string, std::string, int64_t>());

    } // namespace video
    } // namespace vision
"""

VIDEO_MOVED = """
    namespace vision {
    namespace video {

    Video::Video(std::string videoPath, std::string stream, int64_t numThreads) {
      C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.video.video.Video");
      if (!videoPath.empty()) {
        initFromFile(videoPath, stream, numThreads);
      }
    }

    static auto registerVideo = torch::class_<Video>("torchvision", "Video")
                                    .def(torch::init<std::string, std::string, int64_t>());

    } // namespace video
    } // namespace vision
"""


def test_move_is_unsafe_and_carries_the_right_event() -> None:
    rel = "io/video/video.cpp"
    findings, _ = analyse({rel: VIDEO})
    assert [f.code for f in findings] == ["TVU303", "TVU302"]
    text = source(VIDEO)

    safe = fix_text(text, findings, unsafe=False)
    assert [f.code for f in safe.applied] == ["TVU302"]
    assert safe.text == text.replace('video.Vid"', 'video.Video"')

    both = fix_text(text, findings, unsafe=True)
    assert [f.code for f in both.applied] == ["TVU303"]
    assert [(f.code, reason) for f, reason in both.skipped] == [("TVU302", OVERLAP)]
    assert both.text == source(VIDEO_MOVED)
    assert analyse({rel: both.text}) == ([], analyse({rel: VIDEO_MOVED})[1])


def test_cuda_file_fix() -> None:
    code = """
        namespace vision {
        namespace ops {
        __global__ void kernel(int n) {}
        at::Tensor nms(const at::Tensor& dets) {
          kernel<<<1, 1>>>(dets.size(0));
          return dets;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::nms(Tensor dets) -> Tensor");
        }
        } // namespace ops
        } // namespace vision
    """
    rel = "ops/cuda/nms.cu"
    result = fixed({rel: code}, rel)
    assert result == source(code).replace(
        "  kernel<<<",
        '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.cuda.nms.nms");\n  kernel<<<',
    )
    assert analyse({rel: result})[0] == []


def test_crlf_file_keeps_crlf() -> None:
    code = source(
        """
        at::Tensor nms(const at::Tensor& dets) {
          return dets;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::nms(Tensor dets) -> Tensor");
        }
        """
    ).replace("\n", "\r\n")
    findings, _ = analyse({"ops/nms.cpp": code})
    result = fix_text(code, findings, unsafe=False).text
    assert result.startswith(
        'at::Tensor nms(const at::Tensor& dets) {\r\n  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.nms");\r\n  return dets;\r\n'  # noqa: E501
    )


def test_a_fix_that_would_break_the_file_is_refused() -> None:
    code = """
        at::Tensor nms(const at::Tensor& dets) {
          return dets;
        }
        TORCH_LIBRARY_FRAGMENT(torchvision, m) {
          m.def("torchvision::nms(Tensor dets) -> Tensor");
        }
    """
    [finding] = analyse({"ops/nms.cpp": code})[0]
    assert finding.fix is not None
    at = finding.fix.edits[0].start
    bad = replace(finding, fix=replace(finding.fix, edits=(Edit(at, at, "{\n"),)))
    result = fix_text(source(code), [bad], unsafe=True)
    assert result.text == source(code)
    assert result.applied == []
    assert [reason for _, reason in result.skipped] == [
        "the fixed file does not parse (syntax error: expected '}')"
    ]
    worse = replace(finding, fix=replace(finding.fix, edits=(Edit(0, 0, "int x = y;\n"),)))
    result = fix_text(source(code), [worse], unsafe=True)
    assert [reason for _, reason in result.skipped] == [
        "the fixed file has a new libclang error: use of undeclared identifier 'y'"
    ]


def test_fixing_twice_changes_nothing() -> None:
    files = {
        "ops/nms.cpp": """
            at::Tensor nms(const at::Tensor& dets) {
              return dets;
            }
            at::Tensor roi_align(const at::Tensor& input) {
              return input;
            }
            TORCH_LIBRARY_FRAGMENT(torchvision, m) {
              m.def("torchvision::nms(Tensor dets) -> Tensor");
              m.def("torchvision::roi_align(Tensor input) -> Tensor");
            }
        """
    }
    once = fixed(files, "ops/nms.cpp")
    assert once.count("C10_LOG_API_USAGE_ONCE(") == 2
    findings, entries = analyse({"ops/nms.cpp": once})
    assert findings == [] and {e.status for e in entries} == {"logged"}
    assert fix_text(once, findings, unsafe=True).text == once
    assert path_of("ops/nms.cpp") == "torchvision/csrc/ops/nms.cpp"
