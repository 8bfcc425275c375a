"""The language server: LSP over stdio on pygls.

Edits are debounced per project by the check itself: one check runs at a time, in a
worker thread (so the server keeps reading messages); the first change after a quiet
spell starts one at once, and all the changes that arrive while it runs are coalesced
into the single check that follows. Results for a document that has moved on meanwhile
are dropped. A fixed pause before each check would only add to every keystroke's
latency: checks take tens of milliseconds, as long as a pause worth having. Diagnostics are pushed, or pulled when the client
supports ``textDocument/diagnostic`` (then a ``workspace/diagnostic/refresh`` tells
it that other open documents changed status).
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import tokenize
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from tvusage_lint import __version__
from tvusage_lint.core.config import DEFAULT_MAX_FILE_SIZE, ConfigError, Settings
from tvusage_lint.core.findings import Finding
from tvusage_lint.files import budget
from tvusage_lint.files.discovery import SourceFile
from tvusage_lint.files.reading import read_regular
from tvusage_lint.fix import wanted
from tvusage_lint.fix.apply import ROUNDS, decode
from tvusage_lint.frontends.server import actions, convert
from tvusage_lint.frontends.server.projects import Project, Projects, findings_by_path
from tvusage_lint.python.facts import PyFacts

log = logging.getLogger(__name__)

DEBOUNCE = 0.0  # seconds before a check starts (0: as soon as the messages read are handled)
# seconds of quiet after a check before the edited document's edits (fix-all, quick fixes)
# are computed ahead, so that the menu a person opens later finds them ready (None: only
# when asked)
FIX_AHEAD = 0.3
AHEAD_QUICK_FIXES = 20  # quick fixes computed ahead per version, at the most
FIX_ALL = "source.fixAll.tvusage"
FIX_ALL_TITLE = "Fix all safe tvusage-lint findings"
_SUFFIXES = (".py", ".pyi", ".cpp", ".cu", ".mm", ".h", ".cc", ".cuh", ".hpp")


@dataclass
class Checked:
    """The last check of one open document, and the edits computed for that version
    (a light bulb asks again at every cursor move; a new check makes a new ``Checked``)."""

    version: int | None
    findings: list[Finding]
    sources: dict[str, SourceFile]
    diagnostics: list[types.Diagnostic]
    path: Path | None = None
    text: str = ""
    facts: PyFacts | None = None  # the document's facts: where its definitions are
    fixes: dict[tuple[object, ...], actions.FileChange | None] = field(default_factory=dict)
    fixed_all: list[actions.FileChange] | None = None

    def facts_of(self, path: Path, text: str) -> PyFacts | None:
        """For ``actions``: the facts of this document, when ``text`` is what was checked."""
        return self.facts if path == self.path and text == self.text else None

    def known_fix(self, finding: Finding) -> actions.FileChange | None:
        """The quick fix of ``finding`` computed for this version, if one was and changed
        something."""
        return self.fixes.get(tuple(convert.finding_key(finding)))

    def quick_fix(
        self, finding: Finding, text_of: Callable[[Path], str]
    ) -> actions.FileChange | None:
        key = tuple(convert.finding_key(finding))
        if key not in self.fixes:
            self.fixes[key] = actions.quick_fix(finding, self.sources, text_of, self.facts_of)
            log.debug("quick fix of %s line %d computed", finding.code, finding.line)
        return self.fixes[key]


@dataclass(frozen=True)
class Buffer:
    """An open document as the editor last sent it."""

    uri: str
    version: int | None
    text: str


Buffers = dict[Path, Buffer]  # taken on the event loop; worker threads read only these


@dataclass
class Pending:
    """The scheduled or running check of one project."""

    task: asyncio.Task[None] | None = None
    dirty: bool = False
    edited: set[str] = field(default_factory=set)  # uris changed since the last check
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Server(LanguageServer):
    def __init__(
        self,
        *,
        use_disk_cache: bool = True,
        debounce: float = DEBOUNCE,
        fix_ahead: float | None = FIX_AHEAD,
    ) -> None:
        super().__init__("tvusage-lint", __version__)
        self.projects = Projects(use_disk_cache=use_disk_cache)
        self.debounce = debounce
        self.fix_ahead = fix_ahead
        self.ahead: dict[str, asyncio.TimerHandle] = {}  # uri → its fix-all, due when quiet
        self.changes = 0  # bumped at every scheduled check: a fix-all ahead stops on a change
        self.checked: dict[str, Checked] = {}  # uri → last check
        self.project_of: dict[str, Project | None] = {}  # open uri → its project
        self.pending: dict[int, Pending] = {}  # id(project) → its next check
        self.pull = False
        self.refresh = False
        self.lazy = False  # quick fixes get their edit on codeAction/resolve
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tvusage-check")
        self.config_errors: set[str] = set()
        self.stopping = False
        self.warmed = False  # the fixers (libcst) loaded, once the first check is out

    # --- documents ---------------------------------------------------------------------

    def buffers(self) -> Buffers:
        """Every open document, now (call on the event loop: it applies the edits)."""
        out: Buffers = {}
        for uri in self.project_of:
            doc = self.workspace.get_text_document(uri)
            out[Path(doc.path)] = Buffer(uri, doc.version, doc.source)
        return out

    def documents_of(self, project: Project, buffers: Buffers) -> Buffers:
        """The open documents of ``project`` that exist on disk (the engine needs a file)."""
        return {
            path: buffer
            for path, buffer in buffers.items()
            if self.project_of.get(buffer.uri) is project and path.is_file()
        }

    def opened(self, uri: str) -> None:
        path = to_fs_path(uri)
        if path is None or not path.endswith(_SUFFIXES):
            return
        try:
            project = self.projects.for_file(Path(path))
        except ConfigError as exc:
            self.project_of[uri] = None  # tried again when the document is saved
            self.config_error(exc)
            return
        self.project_of[uri] = project
        self.schedule(project, uri)

    def config_error(self, exc: ConfigError) -> None:
        """One line, once per message: the editor shows it; no diagnostics until fixed."""
        if str(exc) not in self.config_errors:
            self.config_errors.add(str(exc))
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"tvusage-lint: {exc}"
                )
            )

    def closed(self, uri: str) -> None:
        project = self.project_of.pop(uri, None)
        self.checked.pop(uri, None)
        if (handle := self.ahead.pop(uri, None)) is not None:
            handle.cancel()
        if not self.pull:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        if project is not None and any(p is project for p in self.project_of.values()):
            self.schedule(project)  # the file on disk replaces the buffer for the others

    # --- files created, changed, deleted or renamed outside the editor ---------------------

    def files_changed(self, changes: list[tuple[Path, types.FileChangeType]]) -> None:
        """Follow what happened on disk: a configuration created or deleted may move a
        document to another project, one changed is read again; a Python or C++ file
        created or deleted changes what the projects discover; every project is checked
        again (only the documents whose diagnostics change are published)."""
        layout = config = False
        for path, kind in changes:
            if path.name == "pyproject.toml":
                config = True
                for project in self._open_projects():
                    if project.config == path:
                        project.config_stamp = -2.0  # read again, whatever its time stamp
            elif kind != types.FileChangeType.Changed:
                layout = True
        projects = list(self.projects.by_key.values())  # open documents or not

        def forget() -> None:  # in the worker, between two checks: the checks use these
            for project in projects:
                for path, _ in changes:
                    project.file_changed(path)
                if layout:
                    project.files_changed()

        self.worker.submit(forget)  # one thread, in order: before the checks scheduled below
        if config:
            self._resolve_projects()
        for project in self._open_projects():
            self.schedule(project)
        self._forget_deleted()

    def _open_projects(self) -> list[Project]:
        return list({id(p): p for p in self.project_of.values() if p is not None}.values())

    def _resolve_projects(self) -> None:
        """The project of each open document again (a ``pyproject.toml`` came or went)."""
        for uri, before in list(self.project_of.items()):
            path = to_fs_path(uri)
            if path is None:
                continue
            try:
                project = self.projects.for_file(Path(path))
            except ConfigError as exc:
                self.project_of[uri] = None
                self.config_error(exc)
                continue
            if project is not before:
                self.project_of[uri] = project
                self.schedule(project, uri)

    def _forget_deleted(self) -> None:
        """Open documents whose file is gone are no longer checked: no diagnostics."""
        for uri in list(self.project_of):
            path = to_fs_path(uri)
            if path is None or Path(path).is_file() or uri not in self.checked:
                continue
            del self.checked[uri]
            if not self.pull:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )
            elif self.refresh:
                self.workspace_diagnostic_refresh(None)

    # --- checking --------------------------------------------------------------------

    def schedule(self, project: Project, uri: str | None = None) -> Pending:
        self.changes += 1
        if uri is not None and (handle := self.ahead.pop(uri, None)) is not None:
            handle.cancel()
        pending = self.pending.setdefault(id(project), Pending())
        pending.dirty = True
        if uri is not None:
            pending.edited.add(uri)
        if pending.task is None:
            pending.done.clear()
            pending.task = asyncio.get_running_loop().create_task(self._checks(project, pending))
        return pending

    async def _checks(self, project: Project, pending: Pending) -> None:
        try:
            while pending.dirty and not self.stopping:
                await asyncio.sleep(self.debounce)
                pending.dirty = False
                edited, pending.edited = pending.edited, set()
                buffers = self.buffers()
                docs = self.documents_of(project, buffers)
                if not docs:
                    break
                loop = asyncio.get_running_loop()
                started = time.perf_counter()
                try:
                    result = await loop.run_in_executor(
                        self.worker, _timed, _check, project, docs, _overlay(buffers)
                    )
                except ConfigError as exc:  # the configuration was saved broken
                    self.config_error(exc)
                    continue
                except Exception:  # noqa: BLE001 - the server outlives a bad run
                    log.exception("check failed")
                    continue
                (result, facts), cpu = result
                self._publish(project, docs, result, facts, edited)
                self._plan_ahead(project, docs, edited)
                if not self.warmed:  # the first code action should not pay for the import
                    self.warmed = True
                    loop.run_in_executor(self.worker, _load_fixers)
                log.debug(
                    "checked %d document(s) of %s: %.1f ms (%.1f ms CPU in the check)",
                    len(docs),
                    project.root,
                    (time.perf_counter() - started) * 1000,
                    cpu * 1000,
                )
                for warning in project.warnings:
                    log.warning("%s", warning)
                project.warnings.clear()
        finally:
            pending.task = None
            pending.done.set()

    def _publish(
        self,
        project: Project,
        docs: Buffers,
        result,
        facts: dict[Path, tuple[str, PyFacts]],
        edited: set[str],
    ) -> None:
        per_path = findings_by_path(result, project.root)
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        others_changed = False
        for path, buffer in docs.items():
            uri, version, text = buffer.uri, buffer.version, buffer.text
            if (
                uri not in self.project_of
                or self.workspace.get_text_document(uri).version != version
            ):
                continue  # closed or edited since: the next check has it
            findings = per_path.get(path, [])
            lines = convert.split_lines(text)
            diagnostics = [convert.diagnostic(f, lines, encoding) for f in findings]
            before = self.checked.get(uri)
            known = facts.get(path)
            self.checked[uri] = Checked(
                version, findings, result.sources, diagnostics, path, text, known and known[1]
            )
            if uri not in edited and before is not None and before.diagnostics == diagnostics:
                continue  # an open document whose status did not change
            if self.pull:
                others_changed = others_changed or uri not in edited
            else:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri, diagnostics=diagnostics, version=version
                    )
                )
        if others_changed and self.refresh:
            self.workspace_diagnostic_refresh(None)

    def _plan_ahead(self, project: Project, docs: Buffers, edited: set[str]) -> None:
        """Once the edited documents' diagnostics are out, their edits (fix-all, quick
        fixes) are due after ``fix_ahead`` seconds of quiet (none when nothing is fixable)."""
        if self.fix_ahead is None:
            return
        loop = asyncio.get_running_loop()
        for path, buffer in docs.items():
            checked = self.checked.get(buffer.uri)
            if (
                buffer.uri not in edited
                or checked is None
                or checked.version != buffer.version
                or not any(f.fix is not None for f in checked.findings)
            ):
                continue
            if (handle := self.ahead.pop(buffer.uri, None)) is not None:
                handle.cancel()
            self.ahead[buffer.uri] = loop.call_later(
                self.fix_ahead, self._edits_ahead, project, buffer.uri, path, checked
            )

    def _edits_ahead(self, project: Project, uri: str, path: Path, checked: Checked) -> None:
        """Still quiet: compute the edits of ``checked`` in the worker (where code actions
        are answered, so a request waits for them rather than computing them twice)."""
        self.ahead.pop(uri, None)
        if self.stopping or self.checked.get(uri) is not checked:
            return
        pending = self.pending.get(id(project))
        if pending is not None and pending.task is not None:
            return  # a check is due: it plans its own
        buffers = self.buffers()
        if path not in buffers or buffers[path].version != checked.version:
            return
        asyncio.get_running_loop().run_in_executor(
            self.worker, self._compute_ahead, uri, path, buffers, checked, self.changes
        )

    def _compute_ahead(
        self, uri: str, path: Path, buffers: Buffers, checked: Checked, changes: int
    ) -> None:
        """The worker's side of ``_edits_ahead``: the quick fixes of the first
        ``AHEAD_QUICK_FIXES`` findings, then the fix-all; stops at any change."""

        def stale() -> bool:
            return self.changes != changes

        started = time.perf_counter()
        fix_all = checked.fixed_all is None and any(
            wanted(f, unsafe=False) for f in checked.findings
        )
        quick = [f for f in checked.findings if f.fix is not None][:AHEAD_QUICK_FIXES]
        try:
            with budget.cancellable(stale):  # a fix's child is killed at a change
                text_of = _text_of(buffers)
                for finding in quick:  # first: a light bulb asks for them more often
                    if stale():
                        return
                    checked.quick_fix(finding, text_of)
                if fix_all:
                    fixed = self.fix_all(path, buffers, checked, stale=stale)
                    if fixed is None:
                        return
                    if checked.fixed_all is None:
                        checked.fixed_all = fixed
        except budget.Cancelled:  # a change: the worker is wanted for the next check
            return
        except Exception:  # noqa: BLE001 - a request computes it again, and says why
            log.exception("edits ahead failed")
            return
        log.debug(
            "edits of %s version %s computed ahead (fix-all: %s, quick fixes: %d): %.1f ms",
            uri,
            checked.version,
            "yes" if fix_all else "no",
            len(quick),
            (time.perf_counter() - started) * 1000,
        )

    async def fresh(self, uri: str) -> Checked | None:
        """The check of ``uri``'s current text (waiting for it if one is due)."""
        project = self.project_of.get(uri)
        if project is None or not Path(self.workspace.get_text_document(uri).path).is_file():
            return None
        for _ in range(8):
            pending = self.pending.get(id(project))
            if pending is not None and pending.task is not None:
                await pending.done.wait()  # a check is due: its result is the fresh one
                continue
            checked = self.checked.get(uri)
            if (
                checked is not None
                and checked.version == self.workspace.get_text_document(uri).version
            ):
                return checked
            self.schedule(project, uri)
        return self.checked.get(uri)

    # --- code actions ------------------------------------------------------------------

    def workspace_edit(
        self, changes: list[actions.FileChange], buffers: Buffers
    ) -> types.WorkspaceEdit:
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        caps = self.client_capabilities.workspace
        versioned = bool(
            caps and caps.workspace_edit and caps.workspace_edit.document_changes is True
        )
        edits: dict[str, list[types.TextEdit]] = {}
        doc_changes: list[types.TextDocumentEdit] = []
        for change in changes:
            buffer = buffers.get(change.path)
            uri = buffer.uri if buffer else from_fs_path(str(change.path)) or change.path.as_uri()
            text_edits = convert.text_edits(change.old, change.new, encoding)
            edits[uri] = text_edits
            version = buffer.version if buffer else None
            doc_changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(text_edits),
                )
            )
        if versioned:
            return types.WorkspaceEdit(document_changes=doc_changes)
        return types.WorkspaceEdit(changes=edits)

    def code_actions(
        self, uri: str, checked: Checked, params: types.CodeActionParams, buffers: Buffers
    ) -> list[types.CodeAction]:
        """Runs in the worker: reads the documents from ``buffers`` only."""
        only = params.context.only
        want_quick = _kind_wanted(types.CodeActionKind.QuickFix.value, only)
        # fixing the whole file runs the checker again: only when asked for by kind (on
        # save) or by hand, not for every light bulb
        want_all = (
            params.context.trigger_kind == types.CodeActionTriggerKind.Invoked
            if only is None
            else _kind_wanted(FIX_ALL, only)
        )
        path = next(p for p, b in buffers.items() if b.uri == uri)
        text = buffers[path].text
        text_of = _text_of(buffers)
        out: list[types.CodeAction] = []
        if want_quick:
            for diagnostic, finding in self._selected(checked, params):
                if finding.fix is not None:
                    # a lazy client resolves the edit when the user picks the action
                    edit, data = None, None
                    if self.lazy:
                        key = convert.finding_key(finding)
                        data = {"uri": uri, "version": checked.version, "key": key}
                    else:
                        change = checked.quick_fix(finding, text_of)
                        edit = None if change is None else self.workspace_edit([change], buffers)
                    if data is not None or edit is not None:
                        out.append(
                            types.CodeAction(
                                title=actions.quick_fix_title(finding),
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[diagnostic],
                                is_preferred=finding.fix.applicability.value == "safe",
                                edit=edit,
                                data=data,
                            )
                        )
                change = actions.suppress(finding, path, text)
                if change is not None:
                    out.append(
                        types.CodeAction(
                            title=actions.suppress_title(finding),
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=self.workspace_edit([change], buffers),
                        )
                    )
        fixable = any(wanted(f, unsafe=False) for f in checked.findings)
        if want_all and fixable and self.lazy:
            out.append(
                types.CodeAction(
                    title=FIX_ALL_TITLE,
                    kind=FIX_ALL,
                    data={"uri": uri, "version": checked.version, "fix_all": True},
                )
            )
        elif want_all and fixable:
            changes = self.fixed_all(path, buffers, checked)
            if changes:
                out.append(
                    types.CodeAction(
                        title=FIX_ALL_TITLE,
                        kind=FIX_ALL,
                        edit=self.workspace_edit(changes, buffers),
                    )
                )
        return out

    def resolve(
        self, action: types.CodeAction, checked: Checked, buffers: Buffers
    ) -> types.CodeAction:
        """The edit of a quick fix or fix-all announced without one (worker thread). An
        action whose document changed since gets none: the client asks again."""
        data = action.data if isinstance(action.data, dict) else {}
        buffer = next((b for b in buffers.values() if b.uri == data.get("uri")), None)
        version = data.get("version")
        if buffer is None or buffer.version != version or checked.version != version:
            return action
        path = next(p for p, b in buffers.items() if b is buffer)
        if data.get("fix_all"):
            changes = self.fixed_all(path, buffers, checked)
        else:
            key = tuple(data.get("key") or ())
            finding = next(
                (f for f in checked.findings if tuple(convert.finding_key(f)) == key), None
            )
            change = checked.quick_fix(finding, _text_of(buffers)) if finding is not None else None
            changes = [change] if change is not None else []
        if changes:
            action.edit = self.workspace_edit(changes, buffers)
        return action

    def fixed_all(self, path: Path, buffers: Buffers, checked: Checked) -> list[actions.FileChange]:
        """The fix-all of ``checked``: computed ahead, or now (worker thread)."""
        if checked.fixed_all is None:
            started = time.perf_counter()
            checked.fixed_all = self.fix_all(path, buffers, checked)
            log.debug(
                "fix-all of %s version %s computed on request: %.1f ms",
                buffers[path].uri,
                checked.version,
                (time.perf_counter() - started) * 1000,
            )
        return checked.fixed_all

    def _selected(
        self, checked: Checked, params: types.CodeActionParams
    ) -> list[tuple[types.Diagnostic, Finding]]:
        """The findings the client asks about: by the diagnostics it sends back, else
        every finding whose range touches the requested range."""
        by_key = {
            tuple(convert.finding_key(f)): (d, f)
            for d, f in zip(checked.diagnostics, checked.findings)
        }
        out: list[tuple[types.Diagnostic, Finding]] = []
        for diagnostic in params.context.diagnostics:
            data = diagnostic.data if isinstance(diagnostic.data, dict) else None
            key = tuple(data.get("key", ())) if data else ()
            if key in by_key:
                out.append(by_key[key])
        if out or params.context.diagnostics:
            return out
        asked = params.range
        for d, f in zip(checked.diagnostics, checked.findings):
            if not (_before(d.range.end, asked.start) or _before(asked.end, d.range.start)):
                out.append((d, f))
        return out

    @overload
    def fix_all(
        self, path: Path, buffers: Buffers, checked: Checked | None = None
    ) -> list[actions.FileChange]: ...

    @overload
    def fix_all(
        self, path: Path, buffers: Buffers, checked: Checked | None, stale: Callable[[], bool]
    ) -> list[actions.FileChange] | None: ...

    def fix_all(
        self,
        path: Path,
        buffers: Buffers,
        checked: Checked | None = None,
        stale: Callable[[], bool] | None = None,
    ) -> list[actions.FileChange] | None:
        """``check --fix FILE`` on the buffers: safe fixes, rounds until nothing changes.

        The first round takes the findings of ``checked`` (the check of this version);
        the checks of the next rounds report on every open document of the project, as
        the regular check does, so the project's memory of the last run stays usable.
        ``stale`` is asked before each round: when it says so, the answer is None."""
        project = self.project_of.get(buffers[path].uri)
        if project is None:
            return []
        texts: dict[Path, str] = {}
        originals: dict[Path, str] = {}
        read = _text_of(buffers)
        paths = sorted(self.documents_of(project, buffers)) or [path]

        def text_of(p: Path) -> str:
            if p not in originals:
                originals[p] = read(p)
            return originals[p]

        for round_ in range(ROUNDS):
            if stale is not None and stale():
                return None
            if round_ == 0 and checked is not None:
                findings, sources, facts_of = checked.findings, checked.sources, checked.facts_of
            else:
                overlay = _overlay(buffers)
                overlay.update({p: _encode(t) for p, t in texts.items()})
                result = project.check(paths, overlay)
                findings = findings_by_path(result, project.root).get(path, [])
                sources = result.sources
                known = _facts_by_path(result, {**{p: b.text for p, b in buffers.items()}, **texts})
                facts_of = _lookup(known)
            quick = checked.known_fix if round_ == 0 and checked is not None else None
            if not actions.fix_round(findings, sources, texts, text_of, facts_of, quick):
                break
        return [
            actions.FileChange(p, originals[p], new)
            for p, new in sorted(texts.items())
            if new != originals[p]
        ]


def _check(project: Project, docs: Buffers, overlay: dict[Path, bytes]):
    """A check of the open documents, with the facts it read for them, taken in the
    worker thread: the next run refreshes the index's modules in place."""
    result = project.check(list(docs), overlay)
    return result, _facts_by_path(result, {path: buffer.text for path, buffer in docs.items()})


def _facts_by_path(result, texts: dict[Path, str]) -> dict[Path, tuple[str, PyFacts]]:
    """The facts a run read for the Python files among ``texts`` (the text it read for
    each): where their definitions are, for fixes on excerpts (``actions.excerpt``)."""
    out: dict[Path, tuple[str, PyFacts]] = {}
    index = result.index
    if index is None:
        return out
    for source in result.sources.values():
        if source.path in texts and source.path.suffix == ".py":
            module = index.modules.get(source.module)
            if module is not None and module.path == source.path:
                out[source.path] = (texts[source.path], module.facts)
    return out


def _lookup(read: dict[Path, tuple[str, PyFacts]]) -> actions.FactsOf:
    def facts_of(path: Path, text: str) -> PyFacts | None:
        known = read.get(path)
        return known[1] if known is not None and known[0] == text else None

    return facts_of


def watched_globs() -> list[str]:
    """What the server follows on disk: Python files, the C++ files of the default
    ``cpp-include``, and configurations."""
    cpp = [g if g.startswith("**/") else f"**/{g}" for g in Settings().cpp_include]
    return ["**/*.py", *cpp, "**/pyproject.toml"]


def _registered(done) -> bool:
    """Whether the client accepted a registration (a request's future)."""
    return not done.cancelled() and done.exception() is None


def _paths(uris: list[str], kind: types.FileChangeType) -> list[tuple[Path, types.FileChangeType]]:
    return [(Path(p), kind) for uri in uris if (p := to_fs_path(uri)) is not None]


def _load_fixers() -> None:
    import tvusage_lint.fix.python  # noqa: F401 - libcst, a third of a second to import


def _timed(function, *args):
    """``function(*args)`` and the CPU time of the thread that ran it."""
    started = time.thread_time()
    return function(*args), time.thread_time() - started


def _overlay(buffers: Buffers) -> dict[Path, bytes]:
    """Every open buffer, in the bytes the file would have on disk."""
    return {path: _encode(buffer.text) for path, buffer in buffers.items()}


def _text_of(buffers: Buffers):
    """A buffer's text when the file is open, else the file's."""

    def text_of(path: Path) -> str:
        buffer = buffers.get(path)
        if buffer is not None:
            return buffer.text
        data, error = read_regular(path, DEFAULT_MAX_FILE_SIZE)
        if data is None:
            raise OSError(error)
        return decode(data)[0]

    return text_of


def _kind_wanted(kind: str, only: list[str] | None) -> bool:
    """LSP's rule: a kind is wanted when ``only`` names it or a prefix of it."""
    if only is None:
        return True
    return any(kind == str(o) or kind.startswith(f"{o}.") for o in only)


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _encode(text: str) -> bytes:
    """A buffer in its file's encoding (a ``# coding:`` line may name one)."""
    data = text.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding not in ("utf-8", "utf-8-sig"):
            return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        pass
    return data


def make_server(
    *, use_disk_cache: bool = True, debounce: float = DEBOUNCE, fix_ahead: float | None = FIX_AHEAD
) -> Server:
    server = Server(use_disk_cache=use_disk_cache, debounce=debounce, fix_ahead=fix_ahead)

    @server.feature(types.INITIALIZE)
    def initialize(ls: Server, params: types.InitializeParams) -> None:
        text = params.capabilities.text_document
        if text is not None and text.diagnostic is not None:
            ls.pull = True
            ls.feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(
                    identifier="tvusage-lint",
                    inter_file_dependencies=True,
                    workspace_diagnostics=False,
                ),
            )(pull_diagnostics)
        action = text.code_action if text is not None else None
        ls.lazy = bool(
            action
            and action.data_support
            and action.resolve_support
            and "edit" in action.resolve_support.properties
        )
        workspace = params.capabilities.workspace
        ls.refresh = bool(
            workspace and workspace.diagnostics and workspace.diagnostics.refresh_support
        )

    async def pull_diagnostics(
        ls: Server, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        checked = await ls.fresh(params.text_document.uri)
        return types.RelatedFullDocumentDiagnosticReport(
            items=checked.diagnostics if checked is not None else []
        )

    @server.feature(types.INITIALIZED)
    def initialized(ls: Server, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in watched_globs()]
        registered = ls.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="tvusage-lint-watched-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=watchers
                        ),
                    )
                ]
            )
        )
        # the client now reports what changes on disk: files need not be stat'ed
        registered.add_done_callback(lambda done: _registered(done) and ls.projects.watch())

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: Server, params: types.DidChangeWatchedFilesParams) -> None:
        ls.files_changed(
            [(Path(p), c.type) for c in params.changes if (p := to_fs_path(c.uri)) is not None]
        )

    operations = types.FileOperationRegistrationOptions(
        filters=[
            types.FileOperationFilter(pattern=types.FileOperationPattern(glob=glob))
            for glob in watched_globs()
        ]
    )

    @server.feature(types.WORKSPACE_DID_CREATE_FILES, operations)
    def did_create_files(ls: Server, params: types.CreateFilesParams) -> None:
        ls.files_changed(_paths([f.uri for f in params.files], types.FileChangeType.Created))

    @server.feature(types.WORKSPACE_DID_DELETE_FILES, operations)
    def did_delete_files(ls: Server, params: types.DeleteFilesParams) -> None:
        ls.files_changed(_paths([f.uri for f in params.files], types.FileChangeType.Deleted))

    @server.feature(types.WORKSPACE_DID_RENAME_FILES, operations)
    def did_rename_files(ls: Server, params: types.RenameFilesParams) -> None:
        ls.files_changed(
            _paths([f.old_uri for f in params.files], types.FileChangeType.Deleted)
            + _paths([f.new_uri for f in params.files], types.FileChangeType.Created)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Server, params: types.DidOpenTextDocumentParams) -> None:
        ls.opened(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Server, params: types.DidChangeTextDocumentParams) -> None:
        project = ls.project_of.get(params.text_document.uri)
        if project is not None:
            ls.schedule(project, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: Server, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        project = ls.project_of.get(uri)
        if project is not None:
            ls.schedule(project, uri)
        elif uri in ls.project_of:  # its configuration was broken: perhaps no longer
            ls.opened(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Server, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL],
            resolve_provider=True,
        ),
    )
    async def code_action(
        ls: Server, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        checked = await ls.fresh(uri)
        if checked is None:
            return None
        loop = asyncio.get_running_loop()
        buffers = ls.buffers()
        return await loop.run_in_executor(ls.worker, ls.code_actions, uri, checked, params, buffers)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: Server, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        checked = await ls.fresh(uri) if isinstance(uri, str) else None
        if checked is None:
            return action
        loop = asyncio.get_running_loop()
        buffers = ls.buffers()
        return await loop.run_in_executor(ls.worker, ls.resolve, action, checked, buffers)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: Server, params: None) -> None:
        ls.stopping = True
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def serve(*, use_disk_cache: bool = True, log_file: str | None = None) -> None:
    """Run the server on stdin/stdout until the client exits it; with ``log_file``, with
    every message both ways and each request's time in that file (wire.py)."""
    server = make_server(use_disk_cache=use_disk_cache)
    if log_file:
        from tvusage_lint.frontends.server import wire

        wire.start_io(server, log_file)
    else:
        server.start_io()
