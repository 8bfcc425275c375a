"""Files created, changed, deleted and renamed outside the editor, end to end (pytest-lsp):
watched files, file operations and configuration changes reach the diagnostics."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.helpers import write_tree
from tests.server.test_end_to_end import BOXES, brief, open_file, until

pytestmark = pytest.mark.asyncio

BASE = """
    from torch import nn

    from ..utils import _log_api_usage_once


    class _Base(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            _log_api_usage_once(self)
"""

NET = """
    from torch import nn

    from ._base import _Base

    __all__ = ["Net"]


    class Net(_Base, nn.Module):
        pass
"""


@contextlib.asynccontextmanager
async def watching(
    root: Path, registrations: list[types.Registration]
) -> AsyncIterator[LanguageClient]:
    """The server, for a client that registers watched files dynamically and sends
    file operations (as VS Code does)."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "tvusage_lint", "server", "--no-cache"]
    )
    client = await config.start()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    capabilities = client_capabilities("emacs")  # dynamic registration of watched files
    assert capabilities.workspace is not None
    capabilities.workspace.file_operations = types.FileOperationClientCapabilities(
        did_create=True, did_delete=True, did_rename=True
    )
    result = await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=root.as_uri())
    )
    client.capabilities_of_server = result.capabilities  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        await client.shutdown_session()


def changed(client: LanguageClient, path: Path, kind: types.FileChangeType) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=kind)])
    )


async def test_watched_files_and_file_operations_are_asked_for(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, tmp_path / "torchvision/ops/boxes.py")
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        operations = client.capabilities_of_server.workspace.file_operations  # type: ignore[attr-defined]
    (registration,) = registrations
    assert registration.method == "workspace/didChangeWatchedFiles"
    options = registration.register_options
    globs = [
        w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in _watchers(options)
    ]
    assert globs == [
        "**/*.py",
        "**/*.cpp",
        "**/*.cu",
        "**/*.mm",
        "**/*.h",
        "**/*.cc",
        "**/*.cuh",
        "**/*.hpp",
        "**/pyproject.toml",
    ]
    for operation in (operations.did_create, operations.did_delete, operations.did_rename):
        assert operation is not None
        assert [f.pattern.glob for f in operation.filters] == globs


def _watchers(options: object) -> list[object]:
    if isinstance(options, dict):
        return options["watchers"]
    return options.watchers  # type: ignore[attr-defined]


async def test_a_base_deleted_and_created_again_on_disk_moves_the_subclass(tmp_path: Path) -> None:
    """``Net`` inherits its logging from ``_Base`` in another file: deleting that file
    (a ``git checkout``) leaves ``Net`` without it; putting it back covers it again."""
    write_tree(tmp_path, {"torchvision/models/_base.py": BASE, "torchvision/models/net.py": NET})
    base = tmp_path / "torchvision/models/_base.py"
    text = base.read_text()
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, tmp_path / "torchvision/models/net.py")
        await until(lambda: brief(client, uri), [])
        base.unlink()
        changed(client, base, types.FileChangeType.Deleted)
        await until(lambda: brief(client, uri), [("TVU101", 8, 1)])
        base.write_text(text)
        changed(client, base, types.FileChangeType.Created)
        await until(lambda: brief(client, uri), [])


async def test_a_renamed_base_is_followed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/models/_base.py": BASE, "torchvision/models/net.py": NET})
    base = tmp_path / "torchvision/models/_base.py"
    moved = tmp_path / "torchvision/models/_core.py"
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, tmp_path / "torchvision/models/net.py")
        await until(lambda: brief(client, uri), [])
        base.rename(moved)
        client.workspace_did_rename_files(
            types.RenameFilesParams(
                files=[types.FileRename(old_uri=base.as_uri(), new_uri=moved.as_uri())]
            )
        )
        await until(lambda: brief(client, uri), [("TVU101", 8, 1)])
        moved.rename(base)
        client.workspace_did_rename_files(
            types.RenameFilesParams(
                files=[types.FileRename(old_uri=moved.as_uri(), new_uri=base.as_uri())]
            )
        )
        await until(lambda: brief(client, uri), [])


async def test_a_deleted_open_document_gets_empty_diagnostics(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    boxes = tmp_path / "torchvision/ops/boxes.py"
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, boxes)
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        boxes.unlink()
        client.workspace_did_delete_files(
            types.DeleteFilesParams(files=[types.FileDelete(uri=boxes.as_uri())])
        )
        await until(lambda: brief(client, uri), [])


async def test_a_changed_configuration_is_read_again(tmp_path: Path) -> None:
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.tvusage-lint]\n", encoding="utf-8")
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, tmp_path / "torchvision/ops/boxes.py")
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        config.write_text("[tool.tvusage-lint]\nignore = ['TVU102']\n", encoding="utf-8")
        changed(client, config, types.FileChangeType.Changed)
        await until(lambda: brief(client, uri), [])


async def test_a_configuration_created_beside_the_package_applies(tmp_path: Path) -> None:
    """No ``pyproject.toml`` at first; one created at the root (the project's root
    moves to it) with an ``ignore``: the open document follows it."""
    write_tree(tmp_path, {"torchvision/ops/boxes.py": BOXES})
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        uri = open_file(client, tmp_path / "torchvision/ops/boxes.py")
        await until(lambda: brief(client, uri), [("TVU102", 13, 1)])
        config = tmp_path / "pyproject.toml"
        config.write_text("[tool.tvusage-lint]\nignore = ['TVU102']\n", encoding="utf-8")
        changed(client, config, types.FileChangeType.Created)
        await until(lambda: brief(client, uri), [])


async def test_after_a_sequence_of_edits_the_diagnostics_are_those_of_check(
    tmp_path: Path,
) -> None:
    """Edits to a base's buffer that keep its shape (the incremental path) and one that
    does not (a full run): after each, both open documents show what ``check`` reports
    for the same text."""
    import json
    import shutil

    from tests.helpers import run_cli

    write_tree(tmp_path, {"torchvision/models/_base.py": BASE, "torchvision/models/net.py": NET})
    base = tmp_path / "torchvision/models/_base.py"
    net = tmp_path / "torchvision/models/net.py"
    text = base.read_text()
    dropped = text.replace("_log_api_usage_once(self)", "pass")
    # consecutive versions differ in net.py, so each wait sees its own check
    edits = [dropped, text, "\n\n" + dropped, text + "\n\ndef helper():\n    pass\n", dropped]
    registrations: list[types.Registration] = []
    async with watching(tmp_path, registrations) as client:
        base_uri = open_file(client, base)
        net_uri = open_file(client, net)
        await until(lambda: brief(client, net_uri), [])
        for version, body in enumerate(edits, start=2):
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(
                        uri=base_uri, version=version
                    ),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=body)],
                )
            )
            copy = tmp_path / f"copy{version}"
            shutil.copytree(tmp_path / "torchvision", copy / "torchvision")
            (copy / "torchvision/models/_base.py").write_text(body)
            cli = run_cli(["check", "--no-cache", "--format", "json", "torchvision"], copy)
            expected: dict[str, list[tuple[object, int, int]]] = {"_base.py": [], "net.py": []}
            for finding in json.loads(cli.output):
                expected[Path(finding["path"]).name].append(
                    (finding["code"], finding["line"], finding["column"])
                )
            await until(
                lambda: (brief(client, base_uri), brief(client, net_uri)),
                (expected["_base.py"], expected["net.py"]),
            )
