"""Operators registered in one file and defined in another, through the engine."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import brief, check, write_tree

TREE = {
    "torchvision/__init__.py": "",
    "torchvision/csrc/io/image/image.cpp": """
        #include "image.h"

        namespace vision {
        namespace image {

        static auto registry =
            torch::RegisterOperators()
                .op("image::decode_png", &decode_png)
                .op("image::read_file", &read_file);

        } // namespace image
        } // namespace vision
    """,
    "torchvision/csrc/io/image/cpu/decode_png.cpp": """
        #include "decode_png.h"

        namespace vision {
        namespace image {

        torch::Tensor decode_png(const torch::Tensor& data) {
          return data;
        }

        } // namespace image
        } // namespace vision
    """,
    "torchvision/csrc/io/image/cpu/read_file.cpp": """
        #include "read_file.h"

        namespace vision {
        namespace image {

        torch::Tensor read_file(const std::string& filename) {
          C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.read_file.read_file");
          return torch::empty({0});
        }

        } // namespace image
        } // namespace vision
    """,
}


def test_registration_in_another_file_makes_an_entry_point(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    result = check(tmp_path)
    assert brief(result.findings) == [("TVU301", 6, "vision::image::decode_png")]
    assert result.findings[0].event == "torchvision.csrc.io.image.cpu.decode_png.decode_png"
    assert result.findings[0].path == "torchvision/csrc/io/image/cpu/decode_png.cpp"


def test_single_file_run_sees_the_registrations_of_the_whole_csrc(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    only = check(tmp_path, "torchvision/csrc/io/image/cpu/decode_png.cpp")
    assert brief(only.findings) == [("TVU301", 6, "vision::image::decode_png")]
    other = check(tmp_path, "torchvision/csrc/io/image/cpu/read_file.cpp")
    assert other.findings == []
    assert {e.symbol for e in other.entries if e.kind == "cpp"} == {"vision::image::read_file"}
