"""The bundled csrc fixture tree: exactly the seeded C++ violations, and their fixes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cpp.support import brief
from tests.helpers import check, write_tree
from tvusage_lint.core.config import Settings
from tvusage_lint.core.entries import LOGGED, MISSING
from tvusage_lint.cpp import facts, rules
from tvusage_lint.fix.cpp import fix_text

CSRC = Path(__file__).parent.parent.parent / "fixtures" / "torchvision" / "csrc"

EXPECTED = [
    (
        "TVU301",
        "torchvision/csrc/io/image/cpu/encode_png.cpp",
        17,
        15,
        "vision::image::encode_png",
    ),
    ("TVU303", "torchvision/csrc/io/video/video.cpp", 12, 3, "vision::video::Video::Video"),
    ("TVU302", "torchvision/csrc/ops/roi_align.cpp", 35, 26, "vision::ops::roi_align_symint"),
]


def run(csrc: Path):
    files = sorted(p for p in csrc.rglob("*") if p.suffix in (".cpp", ".cu", ".h"))
    all_facts = {p: facts.extract(p.read_bytes(), p.name) for p in files}
    registry = rules.build_registry(all_facts.values())
    findings, entries = [], []
    for path, fact in all_facts.items():
        rel = path.relative_to(csrc).as_posix()
        found, rows = rules.check(
            fact,
            path=f"torchvision/csrc/{rel}",
            csrc_rel=rel,
            package="torchvision",
            settings=Settings(),
            registry=registry,
        )
        findings.extend(found)
        entries.extend(rows)
    return sorted(findings), entries


def test_fixture_csrc_has_exactly_the_seeded_violations() -> None:
    findings, entries = run(CSRC)
    assert sorted(brief(findings), key=lambda t: t[1]) == EXPECTED
    assert sorted((e.symbol, e.status) for e in entries) == [
        ("vision::image::decode_png", LOGGED),
        ("vision::image::encode_png", MISSING),
        ("vision::image::read_file", LOGGED),
        ("vision::ops::nms", LOGGED),
        ("vision::ops::roi_align", LOGGED),
        ("vision::ops::roi_align_symint", LOGGED),
        ("vision::video::Video::Video", LOGGED),
        ("vision::video_reader::probe_video_from_file", LOGGED),
    ]
    # the real decode_png (after `#else`), not the stub at line 8
    lines = {e.symbol: e.line for e in entries}
    assert lines["vision::image::decode_png"] == 14


def test_fixing_the_fixture_csrc(tmp_path: Path) -> None:
    csrc = tmp_path / "csrc"
    shutil.copytree(CSRC, csrc)
    findings, _ = run(csrc)
    for path in {f.path for f in findings}:
        file = csrc / path.removeprefix("torchvision/csrc/")
        mine = [f for f in findings if f.path == path]
        result = fix_text(file.read_text(encoding="utf-8"), mine, unsafe=True)
        assert result.skipped == []
        file.write_text(result.text, encoding="utf-8")
    changed = {
        p.relative_to(csrc).as_posix(): p.read_text(encoding="utf-8")
        for p in csrc.rglob("*.cpp")
        if p.read_text(encoding="utf-8") != (CSRC / p.relative_to(csrc)).read_text("utf-8")
    }
    assert sorted(changed) == [
        "io/image/cpu/encode_png.cpp",
        "io/video/video.cpp",
        "ops/roi_align.cpp",
    ]
    original = (CSRC / "io/image/cpu/encode_png.cpp").read_text("utf-8")
    assert changed["io/image/cpu/encode_png.cpp"] == original.replace(
        "compression_level) {\n  // Define",
        "compression_level) {\n"
        '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.image.cpu.encode_png.encode_png");\n'
        "  // Define",
    )
    assert changed["io/video/video.cpp"].splitlines()[7:13] == [
        "Video::Video(std::string videoPath, std::string stream, int64_t numThreads) {",
        '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.io.video.video.Video");',
        "  if (!videoPath.empty()) {",
        "    initFromFile(videoPath, stream, numThreads);",
        "  }",
        "}",
    ]
    assert changed["ops/roi_align.cpp"].splitlines()[34] == (
        '  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.roi_align.roi_align");'
    )
    assert run(csrc)[0] == []


def test_through_the_engine_a_broken_file_does_not_stop_the_run(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/csrc/ops/broken.cpp": "namespace vision {\nvoid f() {\n",
            "torchvision/csrc/ops/nms.cpp": """
                namespace vision {
                namespace ops {
                at::Tensor nms(const at::Tensor& dets) {
                  return dets;
                }
                TORCH_LIBRARY_FRAGMENT(torchvision, m) {
                  m.def("torchvision::nms(Tensor dets) -> Tensor");
                }
                } // namespace ops
                } // namespace vision
            """,
        },
    )
    result = check(tmp_path)
    assert [(f.code, f.path, f.line, f.symbol, f.event) for f in result.findings] == [
        ("TVU001", "torchvision/csrc/ops/broken.cpp", 2, "", ""),
        (
            "TVU301",
            "torchvision/csrc/ops/nms.cpp",
            3,
            "vision::ops::nms",
            "torchvision.csrc.ops.nms.nms",
        ),
    ]
    assert [(e.symbol, e.kind, e.status) for e in result.entries] == [
        ("vision::ops::nms", "cpp", MISSING),
        ("torchvision::nms", "operator", MISSING),  # legacy, no Python caller: TVU301 only
    ]


def test_suppression_on_the_definition_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/csrc/ops/nms.cpp": """
                at::Tensor nms(const at::Tensor& dets) {  // tvusage: ignore[TVU301]
                  return dets;
                }
                at::Tensor roi_align(const at::Tensor& input) {  // tvusage: ignore[TVU302]
                  C10_LOG_API_USAGE_ONCE("torchvision.csrc.ops.nms.roi_align");
                  return input;
                }
                TORCH_LIBRARY_FRAGMENT(torchvision, m) {
                  m.def("torchvision::nms(Tensor dets) -> Tensor");
                  m.def("torchvision::roi_align(Tensor input) -> Tensor");
                }
            """,
        },
    )
    result = check(tmp_path)
    assert [(f.code, f.line) for f in result.findings] == [("TVU900", 4)]
