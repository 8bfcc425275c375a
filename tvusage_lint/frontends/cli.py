"""The ``tvusage-lint`` command line (click). Rich is imported only for a TTY or a table."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from tvusage_lint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Failure(click.ClickException):
    """A user mistake: one line on stderr, exit code 2, no traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: object = None) -> None:
        click.echo(f"tvusage-lint: error: {self.message}", err=True)


def _codes(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def _settings(paths: tuple[str, ...], config: str | None, **cli: object):
    from tvusage_lint.core import config as cfg

    try:
        if config:
            path = Path(config)
            if not path.is_file():
                raise Failure(f"{config}: config file not found")
            settings = cfg.load(path, explicit=True)
        else:
            start = Path(paths[0]) if paths else Path.cwd()
            settings = cfg.load(cfg.find_pyproject(start if start.exists() else Path.cwd()))
        return cfg.with_cli(settings, **cli)  # type: ignore[arg-type]
    except cfg.ConfigError as exc:
        raise Failure(str(exc)) from None
    except ValueError as exc:
        raise Failure(str(exc)) from None


def _engine(settings, paths: tuple[str, ...], no_cache: bool, jobs: int, *, bar: bool = False):
    if jobs == 0:
        import os

        jobs = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    """``bar``: the output is for people, so a progress bar may show on a terminal's stderr."""
    from tvusage_lint.engine import Engine

    cache = None
    if not no_cache:
        from tvusage_lint.files.cache import Cache, project_root

        cache = Cache(project_root(Path(paths[0]) if paths else Path.cwd()))
    progress = None
    if bar:
        from tvusage_lint.frontends.progress import for_terminal

        progress = for_terminal(sys.stderr)
    return Engine(settings, cache=cache, jobs=jobs, progress=progress), cache


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """A mistake found past option parsing (a path, a git ref, a baseline): one line, exit 2."""
    from tvusage_lint.files.discovery import UsageError

    try:
        yield
    except UsageError as exc:
        raise Failure(str(exc)) from None


def _run(engine, paths: tuple[str, ...]):
    with _usage_errors():
        return engine.run(list(paths))


def _save_cache(cache, result) -> list[str]:
    if cache is None:
        return []
    cache.save()
    return cache.warnings


def _warn(messages: list[str]) -> None:
    for message in dict.fromkeys(messages):
        click.echo(f"tvusage-lint: warning: {message}", err=True)


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _run_options(command):
    """The options every command that runs the checker shares (check, coverage)."""
    for option in reversed(
        [
            click.option(
                "--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE."
            ),
            click.option(
                "--config",
                type=click.Path(dir_okay=False),
                help="Config file (default: pyproject.toml found upwards).",
            ),
            click.option("--no-cache", is_flag=True, help="Do not read or write the facts cache."),
            click.option(
                "--jobs",
                "-j",
                type=click.IntRange(min=0),
                default=0,
                help="Parse cold files in N parallel processes (default 0: one per core).",
            ),
            click.option(
                "--strict/--no-strict",
                default=None,
                help="Demand an own logging call in every class (no inheritance).",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tvusage-lint")
def main() -> None:
    """Check and fix torchvision's API-usage logging (_log_api_usage_once, C10_LOG_API_USAGE_ONCE)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--fix", is_flag=True, help="Apply safe fixes and write the files.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff, apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when --fix changed a file (pre-commit: the commit stops, re-stage).",
)
@click.option(
    "--select", multiple=True, help="Rule codes or prefixes to run (replaces the defaults)."
)
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to add (e.g. TVU208).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@_run_options
@click.option(
    "--diff-base",
    metavar="REF",
    help="Report only findings that are new since the merge base of REF and HEAD.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Accept the findings listed in FILE; fail on stale entries (config: baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Write every current finding to FILE as the baseline and exit 0.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
def check(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    exit_non_zero_on_fix: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str,
    output: str | None,
    config: str | None,
    no_cache: bool,
    jobs: int,
    strict: bool | None,
    diff_base: str | None,
    baseline: str | None,
    write_baseline: str | None,
    exit_zero: bool,
    quiet: bool,
) -> None:
    """Report (and with --fix, repair) missing or malformed usage logging under PATHS."""
    if not paths:
        raise Failure("no PATH given (try `tvusage-lint check torchvision/`)")
    if (diff_base or write_baseline) and (fix or diff):
        raise Failure("--diff-base and --write-baseline cannot be combined with --fix or --diff")
    if diff_base and write_baseline:
        raise Failure("--write-baseline records every finding; drop --diff-base")
    settings = _settings(
        paths,
        config,
        select=_codes(select),
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        strict=strict,
    )
    engine, cache = _engine(settings, paths, no_cache, jobs, bar=fmt == "text")
    base = _start_base(engine, paths, diff_base) if diff_base else None
    changed: list[str] = []
    if fix and not diff:
        from tvusage_lint.fix.apply import fix_until_stable

        with _usage_errors():
            result, outcome = fix_until_stable(engine, list(paths), unsafe=unsafe_fixes)
        changed = outcome.changed
        warnings = list(result.warnings) + outcome.messages
    else:
        result = _run(engine, paths)
        warnings = list(result.warnings)
        if diff:
            from tvusage_lint.fix.apply import apply_fixes

            outcome = apply_fixes(
                result, unsafe=unsafe_fixes, write=False, limit=settings.max_file_size
            )
            warnings.extend(outcome.messages)
            changed = outcome.changed
            if fmt != "json":
                sys.stdout.write(outcome.diff)
    renames = _fix_renames(engine, paths, result, outcome) if (fix or diff) and changed else ()
    findings = result.findings
    stale: list[str] = []
    if write_baseline or baseline or settings.baseline or base is not None:
        findings, stale = _gate(
            engine, paths, result, warnings, cache, write_baseline, baseline, base, quiet
        )
    warnings.extend(_save_cache(cache, result))
    _warn(warnings)
    for message in stale:
        click.echo(f"tvusage-lint: {message}", err=True)
    if fmt == "json" and (fix or diff):
        from tvusage_lint.output import report

        _write(report.fix_json(findings, renames, outcome.diff if diff else None), output)
    elif not diff:
        _emit_findings(findings, result.files, fmt, output, quiet, settings)
    if fix and not diff and changed and not quiet and fmt == "text" and output is None:
        click.echo(f"Fixed {len(changed)} file{'s' if len(changed) != 1 else ''}.", err=True)
    if fmt != "json" and renames:
        from tvusage_lint.output import events as ev

        for line in ev.renames_to_text(renames):
            click.echo(line, err=True)
    if exit_non_zero_on_fix and changed:
        sys.exit(EXIT_FINDINGS)
    if diff:
        sys.exit(EXIT_FINDINGS if changed and not exit_zero else EXIT_CLEAN)
    sys.exit(EXIT_FINDINGS if (findings or stale) and not exit_zero else EXIT_CLEAN)


def _fix_renames(engine, paths: tuple[str, ...], result, outcome) -> tuple:
    """Event renames the fixes cause: the catalogue before and after (``--diff``: the
    fixed text analysed as an overlay, nothing written)."""
    from tvusage_lint.output import events as ev

    if outcome.before is not None:  # --fix: the first run and the last
        before, after = outcome.before, result
    else:
        from tvusage_lint.engine import Engine

        other = Engine(engine.settings, cache=engine.cache, jobs=engine.jobs, overlay=outcome.fixed)
        before, after = result, _run(other, paths)
    return ev.renames(
        ev.catalogue(before.entries, before.index, before.cpp),
        ev.catalogue(after.entries, after.index, after.cpp),
    )


def _gate(
    engine,
    paths: tuple[str, ...],
    result,
    warnings: list[str],
    cache,
    write_baseline: str | None,
    baseline: str | None,
    base,
    quiet: bool,
) -> tuple[list, list[str]]:
    """Baseline and --diff-base filtering (tvusage_lint.gate); --write-baseline exits here."""
    from tvusage_lint.gate import run as gate

    findings, stale = result.findings, []
    with _usage_errors():
        if write_baseline:
            message = gate.write_baseline(Path(write_baseline), findings)
            _warn(warnings + _save_cache(cache, result))
            click.echo(message, err=True)
            sys.exit(EXIT_CLEAN)
        file = baseline or engine.settings.baseline
        if file:
            findings, stale = gate.apply_baseline(Path(file), result, engine.settings.select)
        if base is not None:
            findings, note = gate.only_new(engine, list(paths), base, result, findings)
            if not quiet:
                click.echo(f"tvusage-lint: {note}", err=True)
    return findings, stale


def _start_base(engine, paths: tuple[str, ...], ref: str):
    """The merge base, exported by git while the checkout is analysed; removed when the
    command ends, however it ends (a resource of the click context)."""
    from tvusage_lint.gate import run as gate

    with _usage_errors():
        tree = gate.start_base(engine, list(paths), ref)
    return click.get_current_context().with_resource(tree)


def _emit_findings(
    findings, files: int, fmt: str, output: str | None, quiet: bool, settings
) -> None:
    from tvusage_lint.output import report

    if fmt == "json":
        _write(report.to_json(findings), output)
    elif fmt == "github":
        from tvusage_lint.output import github

        _write(github.to_github(findings), output)
    elif fmt == "sarif":
        from tvusage_lint.output import sarif

        _write(sarif.to_sarif(findings), output)
    else:
        text_lines = [report.finding_line(f) for f in findings]
        if not quiet:
            text_lines += ([""] if findings else []) + report.summary(findings, files)
        if output is not None or not _is_tty(sys.stdout):
            _write("\n".join(text_lines) + "\n" if text_lines else "", output)
        else:
            from rich.console import Console

            console = Console(highlight=False, soft_wrap=True)
            for f in findings:
                console.print(report.finding_line(f, color=True))
            if not quiet:
                if findings:
                    console.print()
                for line in report.summary(findings, files):
                    console.print(report.escape(line))


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"{output}: cannot write report: {exc.strerror or exc}") from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--show",
    type=click.Choice(["missing", "all"]),
    default="missing",
    show_default=True,
    help="Which entry points to list below the totals.",
)
@click.option(
    "--fail-under", type=click.FloatRange(0, 100), help="Exit 1 when total coverage is below PCT."
)
@_run_options
def coverage(
    paths: tuple[str, ...],
    fmt: str,
    show: str,
    fail_under: float | None,
    output: str | None,
    config: str | None,
    no_cache: bool,
    jobs: int,
    strict: bool | None,
) -> None:
    """List every entry point: logged | inherited (via X) | missing | exempt, with totals."""
    if not paths:
        raise Failure("no PATH given (try `tvusage-lint coverage torchvision/`)")
    from tvusage_lint.output import report

    settings = _settings(paths, config, strict=strict)
    engine, cache = _engine(settings, paths, no_cache, jobs, bar=fmt == "table")
    result = _run(engine, paths)
    _warn(result.warnings + _save_cache(cache, result))
    entries = result.entries
    totals = report.coverage_totals(entries)
    if fmt == "json":
        _write(report.coverage_json(entries), output)
    elif fmt == "markdown":
        _write(report.coverage_markdown(entries, show=show), output)
    else:
        _coverage_table(entries, totals, show, output)
    if fail_under is not None and totals["total"]["percent"] < fail_under:
        click.echo(
            f"tvusage-lint: coverage {totals['total']['percent']:.1f}% is below --fail-under {fail_under:g}%",
            err=True,
        )
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _coverage_table(entries, totals, show: str, output: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from tvusage_lint.output import report

    if output is not None:
        handle = open(output, "w", encoding="utf-8")  # noqa: SIM115
        console = Console(file=handle, width=160, color_system=None)
    else:
        handle = None
        console = Console(highlight=False, width=None if _is_tty(sys.stdout) else 160)
    try:
        rows = report.coverage_table_rows(entries, show)
        if rows:
            listing = Table(title="Entry points" if show == "all" else "Missing", show_lines=False)
            for name in ("symbol", "kind", "status", "where"):
                listing.add_column(name, overflow="fold")
            for row in rows:
                listing.add_row(*row)
            console.print(listing)
        table = Table(title="Coverage of API-usage logging")
        for name, justify in (
            ("subpackage", "left"),
            ("entries", "right"),
            ("logged", "right"),
            ("inherited", "right"),
            ("caller", "right"),
            ("missing", "right"),
            ("exempt", "right"),
            ("covered", "right"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for name, row in totals.items():
            table.add_row(
                name,
                str(row["entries"]),
                str(row["logged"]),
                str(row["inherited"]),
                str(row["caller"]),
                str(row["missing"]),
                str(row["exempt"]),
                f"{row['percent']:.1f}%",
            )
        console.print(table)
    finally:
        if handle is not None:
            handle.close()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="List the events added, removed and renamed since the merge base of REF and HEAD.",
)
@click.option(
    "--compare",
    metavar="OLD.json",
    type=click.Path(dir_okay=False, path_type=str),
    help="The same report against a catalogue saved by `events --format json`.",
)
@click.option(
    "--fail-on-removed",
    is_flag=True,
    help="With --diff-base/--compare: exit 1 when an event was removed or renamed.",
)
@_run_options
def events(
    paths: tuple[str, ...],
    fmt: str,
    diff_base: str | None,
    compare: str | None,
    fail_on_removed: bool,
    output: str | None,
    config: str | None,
    no_cache: bool,
    jobs: int,
    strict: bool | None,
) -> None:
    """List every event the tree emits at run time (Python and C++), or what changed since
    REF or a saved catalogue."""
    if not paths:
        raise Failure("no PATH given (try `tvusage-lint events torchvision/`)")
    if diff_base and compare:
        raise Failure("--diff-base and --compare are two baselines; give one")
    if fail_on_removed and not (diff_base or compare):
        raise Failure("--fail-on-removed needs --diff-base REF or --compare OLD.json")
    from tvusage_lint.output import events as ev

    saved = None
    if compare:
        try:
            saved = ev.load(Path(compare))
        except ev.CatalogueError as exc:
            raise Failure(str(exc)) from None
    settings = _settings(paths, config, strict=strict)
    engine, cache = _engine(settings, paths, no_cache, jobs, bar=fmt == "text")
    base = _start_base(engine, paths, diff_base) if diff_base else None
    result = _run(engine, paths)
    cat = ev.catalogue(result.entries, result.index, result.cpp)
    warnings = list(result.warnings)
    if base is not None or saved is not None:
        if base is not None:
            from tvusage_lint.gate import run as gate

            with _usage_errors():
                changes = gate.event_changes(engine, list(paths), base, cat)
        else:
            assert saved is not None and compare is not None
            changes = ev.diff(saved, cat, compare=compare)
        _warn(warnings + _save_cache(cache, result))
        render = {"json": ev.diff_to_json, "csv": ev.diff_to_csv, "text": ev.diff_to_text}
        _write(render[fmt](changes), output)
        sys.exit(EXIT_FINDINGS if fail_on_removed and changes.lost else EXIT_CLEAN)
    if fmt == "text":
        warnings += ev.duplicate_warnings(cat)
    _warn(warnings + _save_cache(cache, result))
    if fmt == "json":
        _write(ev.to_json(cat), output)
    elif fmt == "csv":
        _write(ev.to_csv(cat), output)
    else:
        _write(ev.to_text(cat) + "\n".join(ev.summary(cat)) + "\n", output)
    sys.exit(EXIT_CLEAN)


@main.command(name="rules")
def rules_command() -> None:
    """List every rule: code, name, default, fix."""
    from tvusage_lint.core.codes import RULES

    for code, info in RULES.items():
        default = "on " if info.default else "off"
        fix = info.fix or "-"
        click.echo(f"{code}  {default}  fix:{fix:<6}  {info.name}: {info.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation page of rule CODE."""
    from tvusage_lint.output import pages

    try:
        click.echo(pages.read(code.upper()).rstrip() + "\n", nl=False)
    except KeyError:
        raise Failure(f"unknown rule code {code!r} (see `tvusage-lint rules`)") from None


@main.command()
@click.option("--no-cache", is_flag=True, help="Do not read or write the facts cache.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    help="Write a debug log (messages both ways, each request's and check's time) to FILE.",
)
def server(no_cache: bool, log_file: str | None) -> None:
    """Run the Language Server on stdin/stdout (diagnostics, quick fixes, fix all)."""
    from tvusage_lint.frontends.server.app import serve

    serve(use_disk_cache=not no_cache, log_file=log_file)
