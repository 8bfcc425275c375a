"""Real syntax errors against the errors that only say torch's headers are missing."""

from __future__ import annotations

from pathlib import Path

from tests.cpp.support import extract
from tests.helpers import brief, check, fix, write_tree

DECODE_PNG = """
    #include "decode_png.h"

    namespace vision {
    namespace image {

    torch::Tensor decode_png(const torch::Tensor& data) {
    <<<<<<< HEAD
      auto out = data.clone();
    =======
      auto out = data.contiguous();
    >>>>>>> feature
      return out;
    }

    } // namespace image
    } // namespace vision
"""

REGISTRY = """
    #include "image.h"

    namespace vision {
    namespace image {

    static auto registry =
        torch::RegisterOperators().op("image::decode_png", &decode_png);

    } // namespace image
    } // namespace vision
"""


def test_conflict_markers_are_a_syntax_error_and_the_file_is_never_fixed(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/__init__.py": "",
            "torchvision/csrc/io/image/image.cpp": REGISTRY,
            "torchvision/csrc/io/image/cpu/decode_png.cpp": DECODE_PNG,
        },
    )
    target = tmp_path / "torchvision/csrc/io/image/cpu/decode_png.cpp"
    before = target.read_bytes()
    result = check(tmp_path)
    assert [(f.code, f.line, f.message) for f in result.findings] == [
        ("TVU001", 7, "cannot parse C++: syntax error: version control conflict marker in file")
    ]
    fix(tmp_path)
    assert target.read_bytes() == before


def test_the_same_file_resolved_is_fixed(tmp_path: Path) -> None:
    lines = DECODE_PNG.splitlines(keepends=True)
    resolved = "".join(lines[:7] + lines[10:11] + lines[12:])
    write_tree(
        tmp_path,
        {
            "torchvision/__init__.py": "",
            "torchvision/csrc/io/image/image.cpp": REGISTRY,
            "torchvision/csrc/io/image/cpu/decode_png.cpp": resolved,
        },
    )
    assert brief(check(tmp_path).findings) == [("TVU301", 6, "vision::image::decode_png")]
    fix(tmp_path)
    text = (tmp_path / "torchvision/csrc/io/image/cpu/decode_png.cpp").read_text()
    assert 'C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.decode_png.decode_png");' in text


def test_missing_closing_brace() -> None:
    got = extract(
        """
        namespace vision {
        at::Tensor nms(const at::Tensor& dets) {
          return dets;
        """
    )
    assert (got.error, got.error_line) == ("syntax error: expected '}'", 3)


def test_if_without_endif() -> None:
    got = extract(
        """
        #include <torch/types.h>
        #if defined(WITH_CUDA)
        at::Tensor nms(const at::Tensor& dets) {
          return dets;
        }
        """
    )
    assert (got.error, got.error_line) == ("syntax error: unterminated conditional directive", 2)


def test_missing_semicolon_in_code_that_needs_no_header() -> None:
    got = extract(
        """
        int area(int h, int w) {
          int a = h * w
          return a;
        }
        """
    )
    assert (got.error, got.error_line) == ("syntax error: expected ';' at end of declaration", 2)


def test_missing_parenthesis() -> None:
    got = extract(
        """
        int area(int h, int w) {
          return scale(h * w;
        }
        """
    )
    assert (got.error, got.error_line) == ("syntax error: expected ')'", 2)


def test_parse_errors_that_follow_from_missing_headers_are_not_errors() -> None:
    # torchvision 0.17 csrc/io/image/cpu/decode_png.cpp, io/video/video.cpp and
    # ops/cuda/nms_kernel.cu: a checking macro left without `;`, a braced
    # argument of a call into a namespace from a header, a kernel launch
    got = extract(
        """
        #include <torch/types.h>
        #include <png.h>

        namespace vision {
        namespace image {

        torch::Tensor decode_png(const torch::Tensor& data) {
          auto png_ptr =
              png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
          TORCH_CHECK(png_ptr, "libpng read structure allocation failed!")
          torch::Tensor out = torch::zeros({0}, torch::kByte);
          return out;
        }

        template <typename T>
        __global__ void nms_kernel(int n, const T* boxes) {}

        void launch(int n, const float* boxes, cudaStream_t stream) {
          nms_kernel<float><<<n, 256, 0, stream>>>(n, boxes);
        }

        } // namespace image
        } // namespace vision
        """,
        "io/image/cpu/decode_png.cu",
    )
    assert got.error == ""
    assert [f.qualname for f in got.functions] == [
        "vision::image::decode_png",
        "vision::image::nms_kernel",
        "vision::image::launch",
    ]


def test_real_csrc_fixture_files_are_clean(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "fixtures" / "torchvision" / "csrc"
    for path in sorted(root.rglob("*")):
        if path.suffix in (".cpp", ".cu", ".h", ".mm"):
            got = extract(path.read_text(encoding="utf-8"), path.name)
            assert (path.name, got.error) == (path.name, "")
