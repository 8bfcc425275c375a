"""``tvusage-lint server`` end to end: the real server in a subprocess, spoken to over LSP
(pytest-lsp's client), on small trees; fixes compared with ``check --fix`` text for text."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.helpers import run_cli, write_tree
from tests.test_rule_pages import parse
from tvusage_lint.core.codes import RULES
from tvusage_lint.core.findings import Applicability

pytestmark = pytest.mark.asyncio

PUSH = "neovim@v0.9.1"  # no pull diagnostics: the server publishes
PULL = "neovim@v0.10.0"  # textDocument/diagnostic
VSCODE = "visual-studio-code"  # workspace edits as versioned documentChanges
EAGER = "neovim@v0.9.1 without codeAction/resolve"  # every edit computed up front


@contextlib.asynccontextmanager
async def server(root: Path, caps: str = PUSH, *options: str) -> AsyncIterator[LanguageClient]:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "tvusage_lint", "server", "--no-cache", *options]
    )
    client = await config.start()
    capabilities = client_capabilities(caps.split()[0])
    if caps == EAGER:
        assert capabilities.text_document and capabilities.text_document.code_action
        capabilities.text_document.code_action.resolve_support = None
    if caps == PULL and capabilities.workspace is not None:
        capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True
        )
    await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=root.as_uri())
    )
    try:
        yield client
    finally:
        await client.shutdown_session()


def open_file(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id="python" if path.suffix == ".py" else "cpp",
                version=version,
                text=path.read_text(encoding="utf-8"),
            )
        )
    )
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def brief(client: LanguageClient, uri: str) -> list[tuple[object, int, int]] | None:
    found = client.diagnostics.get(uri)
    if found is None:
        return None
    return [(d.code, d.range.start.line + 1, d.range.start.character + 1) for d in found]


async def until(what: Callable[[], object], expected: object, timeout: float = 20.0) -> None:
    """Wait for pushed diagnostics to reach ``expected``; fail showing the last value."""
    end = asyncio.get_running_loop().time() + timeout
    while what() != expected:
        if asyncio.get_running_loop().time() > end:
            assert what() == expected
        await asyncio.sleep(0.02)


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """A workspace edit's edits for ``uri`` applied to ``text``, as an editor does."""
    edits: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        if change.text_document.uri == uri:
            edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    edits.extend((edit.changes or {}).get(uri, []))
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: types.Position) -> int:  # ASCII fixtures: UTF-16 units are characters
        return starts[min(pos.line, len(lines))] + pos.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


async def actions(
    client: LanguageClient, uri: str, diagnostic: types.Diagnostic | None, only: list[str] | None
) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(0, 0), end=types.Position(10_000, 0))
    got = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range if diagnostic else whole,
            context=types.CodeActionContext(
                diagnostics=[diagnostic] if diagnostic else [],
                only=only,
                trigger_kind=types.CodeActionTriggerKind.Invoked,
            ),
        )
    )
    out: list[types.CodeAction] = []
    for action in got or []:
        assert isinstance(action, types.CodeAction)
        if action.edit is None and action.data is not None:  # announced: its edit on resolve
            action = await client.code_action_resolve_async(action)
        out.append(action)
    return out


# --- diagnostics ------------------------------------------------------------------------

BOXES = """
    import torch

    from ..utils import _log_api_usage_once


    def nms(boxes):
        \"\"\"Non-maximum suppression.\"\"\"
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            _log_api_usage_once(nms)
        return boxes


    def box_area(boxes):
        return boxes
"""


async def test_diagnostics_on_open_are_those_of_check(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    log = tmp_path / "server.log"
    async with server(tmp_path, PUSH, "--log-file", str(log)) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        (diagnostic,) = client.diagnostics[uri]
    assert f"checked 1 document(s) of {tmp_path}" in log.read_text()
    cli = run_cli(["check", "--no-cache", "--format", "json", str(boxes)], tmp_path)
    (finding,) = json.loads(cli.output)
    assert diagnostic.message == finding["message"]
    assert diagnostic.source == "tvusage-lint"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (
        finding["line"] - 1,
        finding["column"] - 1,
    )
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/TVU102.md")
    assert Path(diagnostic.code_description.href.removeprefix("file://")).is_file()


async def test_an_edit_adding_an_unlogged_function_is_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    async with server(tmp_path) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        text = boxes.read_text() + "\n\ndef box_iou(a, b):\n    return a\n"
        change(client, uri, 2, text)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1), ("TVU102", 17, 1)])
        change(client, uri, 3, boxes.read_text())  # undo: back to one finding
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
    assert "box_iou" not in boxes.read_text()  # nothing is written


CROSS = {
    "torchvision/models/_base.py": """
        import torch


        class _Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
    """,
    "torchvision/models/resnet.py": """
        from ._base import _Net

        __all__ = ["ResNet"]


        class ResNet(_Net):
            def __init__(self, depth):
                super().__init__()
                self.depth = depth
    """,
}

BASE_LOGGED = """\
import torch

from ..utils import _log_api_usage_once


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        _log_api_usage_once(self)
"""


@pytest.mark.parametrize("caps", [PUSH, PULL])
async def test_fixing_a_base_class_clears_the_subclass_in_another_buffer(
    tmp_path: Path, caps: str
) -> None:
    write_tree(tmp_path, CROSS)
    base = tmp_path / "torchvision/models/_base.py"
    resnet = tmp_path / "torchvision/models/resnet.py"
    async with server(tmp_path, caps) as client:
        resnet_uri = open_file(client, resnet)
        base_uri = open_file(client, base)
        if caps == PUSH:
            await until(lambda: brief(client, resnet_uri), [("TVU101", 6, 1)])
        else:
            assert await pulled(client, resnet_uri) == [("TVU101", 6, 1)]
        change(client, base_uri, 2, BASE_LOGGED)  # unsaved: only the buffer logs
        if caps == PUSH:
            await until(lambda: brief(client, resnet_uri), [])
            assert brief(client, base_uri) == []
        else:
            assert await pulled(client, base_uri) == []
            # the other document changed status: the client is told to pull again
            await until(lambda: client.diagnostic_refresh_count > 0, True)
            assert await pulled(client, resnet_uri) == []
        # closing the buffer: the file on disk, which does not log, counts again
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(base_uri))
        )
        if caps == PUSH:
            await until(lambda: brief(client, resnet_uri), [("TVU101", 6, 1)])
        else:
            assert await pulled(client, resnet_uri) == [("TVU101", 6, 1)]


async def pulled(client: LanguageClient, uri: str) -> list[tuple[object, int, int]]:
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    return [(d.code, d.range.start.line + 1, d.range.start.character + 1) for d in report.items]


# --- code actions -----------------------------------------------------------------------


def _fixed_by_cli(tree: Path, files: dict[str, str], unsafe: bool) -> dict[str, str]:
    args = ["check", "--no-cache", "--fix", *(["--unsafe-fixes"] if unsafe else [])]
    run_cli([*args, "torchvision"], tree)
    return {rel: (tree / rel).read_text(encoding="utf-8") for rel in files}


def _page_tree(root: Path, code: str) -> dict[str, str]:
    files = parse(code).files("Example")
    write_tree(root, files)
    if not RULES[code].default:
        (root / "pyproject.toml").write_text(
            "[tool.tvusage-lint]\nrequire-tracing-guard = true\n", encoding="utf-8"
        )
    return files


FIXABLE = sorted(code for code, info in RULES.items() if info.fix)


@pytest.mark.parametrize("caps", [VSCODE, EAGER])
async def test_each_quick_fix_makes_the_edit_of_fix(tmp_path: Path, caps: str) -> None:
    """The bad example of every rule page with a fix: the quick fix of its diagnostic,
    applied to the buffer, gives the text ``check --fix`` writes (``--unsafe-fixes``
    for an unsafe fix)."""
    different: dict[str, list[str]] = {}
    fixed: set[str] = set()
    async with server(tmp_path, caps) as client:
        for code in FIXABLE:
            tree = tmp_path / code / "lsp"
            files = _page_tree(tree, code)
            shutil.copytree(tree, tmp_path / code / "cli")
            unsafe = RULES[code].fix == Applicability.UNSAFE.value
            expected = _fixed_by_cli(tmp_path / code / "cli", files, unsafe)
            uris = {rel: open_file(client, tree / rel) for rel in files}
            opened = list(uris.values())
            await until(lambda opened=opened: all(u in client.diagnostics for u in opened), True)
            texts = {rel: (tree / rel).read_text(encoding="utf-8") for rel in files}
            versions = dict.fromkeys(files, 1)

            def left(code: str = code, uris: dict[str, str] = uris) -> int:
                return sum(d.code == code for uri in uris.values() for d in client.diagnostics[uri])

            # as a user does: take one quick fix, let the server re-check, take the next
            # (one fix in a shared base clears several diagnostics at once)
            while left():
                before = left()
                uri, diagnostic = next(
                    (uri, d)
                    for uri in uris.values()
                    for d in client.diagnostics[uri]
                    if d.code == code
                )
                got = await actions(client, uri, diagnostic, ["quickfix"])
                fixes = [a for a in got if not a.title.startswith("Suppress")]
                assert len(fixes) == 1, (code, [a.title for a in got])
                assert fixes[0].is_preferred is (not unsafe)
                assert fixes[0].edit is not None
                fixed.add(code)
                for other, other_uri in uris.items():
                    new = apply(texts[other], fixes[0].edit, other_uri)
                    if new != texts[other]:
                        texts[other] = new
                        versions[other] += 1
                        change(client, other_uri, versions[other], new)
                await until(lambda before=before: left() < before, True)
            for uri in uris.values():
                client.text_document_did_close(
                    types.DidCloseTextDocumentParams(
                        text_document=types.TextDocumentIdentifier(uri)
                    )
                )
            if texts != expected:
                different[code] = [rel for rel in files if texts[rel] != expected[rel]]
    assert different == {}, {c: [(texts, expected)] for c in different}
    assert sorted(fixed) == FIXABLE


FIX_ALL_TREE = {
    "torchvision/ops/boxes.py": """
        import torch


        def nms(boxes):
            \"\"\"Non-maximum suppression.\"\"\"
            return boxes


        def box_area(boxes):
            _log_api_usage_once("torchvision.ops.boxes.box_area")
            return boxes


        class Box(torch.nn.Module):
            def __init__(self):
                _log_api_usage_once(self)
                super().__init__()
    """,
}


@pytest.mark.parametrize("caps", [PUSH, EAGER])
async def test_fix_all_is_check_fix_with_safe_fixes_only(tmp_path: Path, caps: str) -> None:
    tree = tmp_path / "lsp"
    write_tree(tree, FIX_ALL_TREE)
    shutil.copytree(tree, tmp_path / "cli")
    expected = _fixed_by_cli(tmp_path / "cli", FIX_ALL_TREE, unsafe=False)
    boxes = tree / "torchvision/ops/boxes.py"
    original = boxes.read_text()
    async with server(tree, caps) as client:
        uri = open_file(client, boxes)
        await until(lambda: client.diagnostics.get(uri) is not None, True)
        codes = sorted(str(d.code) for d in client.diagnostics[uri])
        assert codes == ["TVU102", "TVU202", "TVU205", "TVU206"]
        (fix_all,) = await actions(client, uri, None, ["source.fixAll"])
        assert fix_all.kind == "source.fixAll.tvusage"
        assert fix_all.edit is not None
        fixed = apply(original, fix_all.edit, uri)
        assert fixed == expected["torchvision/ops/boxes.py"]
        # the unsafe move (TVU202) is left for its own quick fix
        line = fixed.splitlines().index("        _log_api_usage_once(self)") + 1
        assert fixed.splitlines()[line] == "        super().__init__()"
        change(client, uri, 2, fixed)
        await until(lambda: brief(client, uri), [("TVU202", line, 9)])
    assert boxes.read_text() == original


async def test_suppress_action_silences_the_finding(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    async with server(tmp_path) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        (diagnostic,) = client.diagnostics[uri]
        got = await actions(client, uri, diagnostic, ["quickfix"])
        assert [a.title for a in got] == [
            "Insert `_log_api_usage_once(box_area)` at the top of `box_area` (guarded) (TVU102)",
            "Suppress TVU102 on this line",
        ]
        text = apply(boxes.read_text(), got[1].edit, uri)  # type: ignore[arg-type]
        assert text.splitlines()[12] == "def box_area(boxes):  # tvusage: ignore[TVU102]"
        change(client, uri, 2, text)
        await until(lambda: brief(client, uri), [])


async def test_a_broken_configuration_is_one_message_until_it_is_fixed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.tvusage-lint]\nselcet = ['TVU1']\n", encoding="utf-8")
    boxes = tmp_path / "torchvision/ops/boxes.py"
    async with server(tmp_path) as client:
        uri = open_file(client, boxes)
        await until(lambda: len(client.messages), 1)
        (message,) = client.messages
        assert message.type == types.MessageType.Error
        assert "\n" not in message.message
        assert message.message.startswith("tvusage-lint: ")
        assert "unknown key `selcet`" in message.message
        assert uri not in client.diagnostics
        config.write_text("[tool.tvusage-lint]\nselect = ['TVU1']\n", encoding="utf-8")
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri))
        )
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])


async def test_results_of_an_older_version_are_never_published_after_a_newer(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    async with server(tmp_path) as client:
        published: list[tuple[int | None, int]] = []
        features = client.protocol.fm.features
        default = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def record(params: types.PublishDiagnosticsParams) -> None:
            published.append((params.version, len(params.diagnostics)))
            default(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        text = boxes.read_text()
        added = text + "\n\ndef box_iou(a, b):\n    return a\n"
        for version in range(2, 12):  # typed faster than it is checked
            change(client, uri, version, added if version % 2 == 0 else text)
        await until(lambda: published[-1][0] if published else None, 11)
        assert published[-1] == (11, 1)  # version 11 is the original text: one finding
        versions = [v for v, _ in published if v is not None]
        assert versions == sorted(versions)
        assert len(versions) == len(set(versions))
