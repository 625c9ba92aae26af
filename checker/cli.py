"""The `qa-check` command line. Exit codes: 0 fine, 1 findings/test failures where a command
fails on them, 2 some input rejected, 3 the scheme is invalid (or `audit --resume` refused),
130 an audit interrupted."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_SCHEME = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
DEFAULT_RULES = Path("qa_rules")
DEFAULT_TRANSCRIPTS = Path("transcripts")
DEFAULT_OUT = Path("reports/latest")
SHIPPED_RULES = Path(__file__).resolve().parent.parent / "qa_rules"  # the installed package's copy


def _scheme_path(path: Path) -> Path:
    """`path`; but the default (./qa_rules) where there is none here is the scheme shipped with
    qa-check (the installed package's copy), said on stderr so that nobody wonders which ran."""
    if path != DEFAULT_RULES or path.exists():
        return path
    click.echo(f"note: no {DEFAULT_RULES}/ here: using the scheme shipped with qa-check ({SHIPPED_RULES})", err=True)
    return SHIPPED_RULES


def _show_read_notes() -> None:
    """The readers' notes (the encoding a file was read in) on stderr, for this command."""
    import logging

    from .read.decode import LOG

    class Echo(logging.Handler):  # click.echo looks up stderr when called: right under a test runner too
        def emit(self, record: logging.LogRecord) -> None:
            click.echo(f"note: {record.getMessage()}", err=True)

    if not any(type(h).__name__ == "Echo" for h in LOG.handlers):
        LOG.addHandler(Echo())
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def _load_scheme_or_exit(path: Path):
    from .scheme import load_scheme
    from .yamlpos import SchemeError

    try:
        return load_scheme(path)
    except SchemeError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"scheme {path} is invalid: {len(exc.problems)} problem(s)", err=True)
        sys.exit(EXIT_SCHEME)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa-check")
def main() -> None:
    """qa-check: rule-based quality assurance for Chinese call-center transcripts."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="Scheme: a YAML file or a folder of them.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Report folder (replaced atomically when the run completes).",
)
@click.option("--jobs", "-j", type=int, default=0, help="Worker processes (default: all cores).")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the work runs: this machine's processes, or a Dask cluster (the `dask` extra).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="--engine dask: an existing cluster's scheduler (tcp://HOST:8786); default: a local "
    "cluster of --jobs worker processes.",
)
@click.option(
    "--segmenter",
    type=click.Choice(["rjieba", "jieba"]),
    default=None,
    help="Word segmenter for boundary checks (default: the scheme's, else rjieba).",
)
@click.option(
    "--agent-channel",
    type=click.IntRange(min=0),
    default=None,
    help="ASR results: the channel/speaker index that is the agent (default: the scheme's asr.agent_channel, else 0).",
)
@click.option(
    "--calls-meta",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="CSV of call metadata keyed by call_id (agent_id, started_at, …); calls_meta.csv next to transcripts is read too.",
)
@click.option(
    "--no-mask",
    is_flag=True,
    default=False,
    help="Do not mask personal data (phone, ID and bank card numbers, e-mail, customers' names and "
    "addresses) in the reports.",
)
@click.option(
    "--resume",
    is_flag=True,
    default=False,
    help="Continue the run that an interruption left unfinished for this --out (same paths, scheme and "
    "options), instead of starting afresh; refused (exit 3) when they differ.",
)
def audit(
    paths: tuple[str, ...],
    rules: Path,
    out: Path,
    jobs: int,
    engine: str,
    scheduler: str | None,
    segmenter: str | None,
    agent_channel: int | None,
    calls_meta: Path | None,
    no_mask: bool,
    resume: bool,
) -> None:
    """Audit transcripts (files or folders; default transcripts/) and write reports.

    PATHS may be fsspec URLs the workers can read with --engine dask (s3://…, hdfs://…; file://
    with either engine).

    Exit codes: 0 every call audited, 2 some input rejected, 3 the scheme is invalid, --resume
    was refused or the Dask scheduler cannot be reached (nothing written), 130 interrupted
    (Ctrl-C or SIGTERM; the previous report is unchanged and --resume continues the run).
    """
    import signal
    from dataclasses import replace

    from .audit import default_jobs, run_audit
    from .execute import EngineUnavailable
    from .read import InputPathError
    from .lock import OutputBusy
    from .resume import ResumeRefused

    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler names a Dask scheduler: it needs --engine dask")
    rules = _scheme_path(rules)
    scheme = _load_scheme_or_exit(rules)
    _show_read_notes()
    if agent_channel is not None:
        scheme.roles = replace(scheme.roles, agent_channel=agent_channel)
    from .units import is_url

    inputs = [p if is_url(p) else Path(p) for p in paths] or [DEFAULT_TRANSCRIPTS]
    from .report import ReportOptions

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt  # unwinds like Ctrl-C: the pool stops, the journal stays for --resume

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (an embedding application): leave signals alone
        previous = None
    try:
        summary = run_audit(
            inputs,  # type: ignore[arg-type]  # a remote URL (s3://…) stays a string, opened through fsspec
            rules,
            out,
            jobs=jobs or default_jobs(),
            segmenter=segmenter,
            scheme=scheme,
            calls_meta=calls_meta,
            report_options=ReportOptions(mask=not no_mask),
            resume=resume,
            engine=engine,
            scheduler=scheduler,
        )
    except (ResumeRefused, OutputBusy, EngineUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_SCHEME)
    except InputPathError as exc:
        for problem in str(exc).splitlines():
            click.echo(f"error: {problem}", err=True)
        click.echo(f"nothing was audited: {out}/ is unchanged", err=True)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    failed = summary.audited - summary.passed
    click.echo(
        f"{summary.calls_in} call(s) in: {summary.audited} audited, {summary.rejected} rejected; "
        f"{summary.passed} passed, {failed} failed ({summary.fatal} fatal); "
        f"{summary.findings} finding(s) → {out}/"
        + (f"; {summary.skipped} file(s) of other types skipped" if summary.skipped else ""),
        err=True,
    )
    if summary.rejected:
        click.echo(f"some input was rejected: see {out}/errors.csv", err=True)
    if summary.rule_errors:
        click.echo(f"{summary.rule_errors} rule(s) could not be judged on some call: see {out}/errors.csv", err=True)
    sys.exit(summary.exit_code)


@main.group()
def rules() -> None:
    """Check a scheme and run its examples."""


@rules.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_RULES)
def rules_validate(path: Path) -> None:
    """Check a scheme: keys, types, ids, regexes, lexicons, dialects."""
    path = _scheme_path(path)
    scheme = _load_scheme_or_exit(path)
    examples = sum(len(r.config.examples) for r in scheme.rules)
    click.echo(
        f"{path}: scheme {scheme.name!r} is valid: {len(scheme.rules)} rule(s), "
        f"{len(scheme.book)} phrase(s), {examples} example(s)"
    )


@rules.command("test")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_RULES)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
def rules_test(path: Path, segmenter: str | None) -> None:
    """Run every rule's examples; exit 1 when one disagrees with its rule."""
    from .ruletest import run_examples

    path = _scheme_path(path)
    scheme = _load_scheme_or_exit(path)
    results = run_examples(scheme, segmenter)
    failed = [r for r in results if not r.ok]
    for r in failed:
        click.echo(r.report())
    untested = [r.id for r in scheme.rules if not r.config.examples]
    if untested:
        click.echo(f"warning: rule(s) without examples: {', '.join(untested)}", err=True)
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(EXIT_FAIL if failed else EXIT_OK)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--call", "call_id", default=None, help="Explain only this call of the file (default: every call in it).")
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="Scheme: a YAML file or a folder of them.",
)
@click.option(
    "--agent-channel",
    type=click.IntRange(min=0),
    default=None,
    help="ASR results: the channel/speaker index that is the agent.",
)
@click.option(
    "--calls-meta",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="CSV of call metadata keyed by call_id.",
)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
@click.option(
    "--width", type=click.IntRange(min=40), default=None, help="Columns (default: the terminal's, 80 when piped)."
)
@click.option(
    "--no-mask",
    is_flag=True,
    default=False,
    help="Show personal data (numbers, names, addresses) unmasked; masked by default, as in the reports.",
)
def explain(
    file: Path,
    call_id: str | None,
    rules: Path,
    agent_channel: int | None,
    calls_meta: Path | None,
    segmenter: str | None,
    width: int | None,
    no_mask: bool,
) -> None:
    """Show a call as a transcript with every finding in place, then its score."""
    from dataclasses import replace

    from rich.console import Console

    from .explain import explain_file

    scheme = _load_scheme_or_exit(_scheme_path(rules))
    _show_read_notes()
    if agent_channel is not None:
        scheme.roles = replace(scheme.roles, agent_channel=agent_channel)
    console = Console(width=width, highlight=False, soft_wrap=False)
    run = explain_file(file, scheme, console, call_id, segmenter, calls_meta, mask=not no_mask)
    if run.missing is not None:
        listed = ", ".join(run.available[:10]) + (" …" if len(run.available) > 10 else "")
        click.echo(f"no call {run.missing!r} in {file}; calls: {listed or 'none'}", err=True)
        sys.exit(EXIT_FAIL)
    sys.exit(EXIT_INPUT if run.rejected else EXIT_OK)


# -- script lint and rule docs (`qa-check lint`, `qa-check rules docs`) ---------------------------
# Imports stay inside the commands: `lint` runs in a pre-commit hook and must start fast.
LINT_FORMATS = ("text", "json", "sarif", "github")  # checker/lint/formats FORMATTERS, kept in step by a test


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    envvar="QA_CHECK_RULES",
    help="Scheme: a YAML file or a folder of them (env QA_CHECK_RULES); without qa_rules/ here, "
    "the scheme shipped with qa-check.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(LINT_FORMATS),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json; sarif (2.1.0); github (workflow annotations).",
)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
def lint(files: tuple[Path, ...], rules: Path, fmt: str, segmenter: str | None) -> None:
    """Lint call-script files (.md, .txt, .yaml; folders are searched) with the scheme's text rules.

    Exit 1 when an `error` finding remains, 2 when a file cannot be read, 3 when the scheme is invalid.
    """
    from .lint.formats import get_formatter
    from .lint.run import Linter

    if rules == DEFAULT_RULES and not rules.exists():
        rules = SHIPPED_RULES  # quietly: a pre-commit hook's output is the findings
    scheme = _load_scheme_or_exit(rules)
    owned = [rules] if rules.is_dir() else [rules, rules.parent / "lexicons"]
    report = Linter(scheme, segmenter, owned=owned).lint_paths(files)
    formatter = get_formatter(fmt)
    click.echo(formatter.render(report), nl=False)
    for error in report.errors:
        click.echo(f"{error}", err=True)
    summary = formatter.summary(report)
    if summary and (report.findings or report.errors):
        click.echo(summary, err=True)
    sys.exit(EXIT_INPUT if report.errors else EXIT_FAIL if report.failed else EXIT_OK)


@rules.command("docs")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_RULES)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the reference here (default: stdout).",
)
@click.option("--check", is_flag=True, help="With --out: exit 1 when the file is not up to date, write nothing.")
def rules_docs(path: Path, out: Path | None, check: bool) -> None:
    """Write the scheme's Markdown reference: sections, rules, messages, deductions, examples."""
    from .ruledocs import scheme_markdown

    path = _scheme_path(path)
    scheme = _load_scheme_or_exit(path)
    text = scheme_markdown(scheme, source=path.as_posix())
    if out is None:
        click.echo(text, nl=False)
        return
    current = out.read_text(encoding="utf-8") if out.is_file() else None
    if check:
        if current != text:
            click.echo(f"{out} is stale: run `qa-check rules docs {path.as_posix()} -o {out.as_posix()}`", err=True)
            sys.exit(EXIT_FAIL)
        click.echo(f"{out} is up to date", err=True)
        return
    if current != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}" if current != text else f"{out} unchanged", err=True)


# -- trust in the rules (`qa-check calibrate`, `qa-check diff`): logic in calibrate.py, diff.py ------


def _exit_if_missing(inputs: list[Path]) -> None:
    """calibrate and diff: a path that is neither on disk nor a storage URL stops the command
    before anything is audited (exit 2)."""
    from .units import is_url

    missing = [p for p in inputs if not is_url(p) and not p.exists()]
    if missing:
        click.echo(f"error: no such file or folder: {', '.join(map(str, missing))}", err=True)
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("labels", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="Scheme: a YAML file or a folder of them.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/calibration"),
    show_default=True,
    help="Where calibration.csv and calibration.md go.",
)
@click.option(
    "--min-kappa",
    type=float,
    default=None,
    help="Exit 1 when a rule with at least 10 labels has Cohen's κ below this (default: no threshold).",
)
@click.option(
    "--findings",
    "findings",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Read the verdicts from the report folder of a finished audit instead of auditing again.",
)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
def calibrate(
    labels: Path,
    paths: tuple[Path, ...],
    rules: Path,
    out: Path,
    min_kappa: float | None,
    findings: Path | None,
    segmenter: str | None,
) -> None:
    """Measure the scheme against human verdicts: LABELS is a CSV call_id, rule_id, fires.

    Audits the labelled calls under PATHS (default transcripts/), or with --findings reads an
    audit's findings; writes calibration.csv and calibration.md. Exit 1 when --min-kappa is not
    met, 2 when the labels or some input cannot be read, 3 when the scheme is invalid.
    """
    from . import calibrate as cal

    scheme = _load_scheme_or_exit(rules)
    try:
        labelled = cal.read_labels(labels)
    except cal.LabelError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{labels}: {len(exc.problems)} problem(s) in the labels; nothing written", err=True)
        sys.exit(EXIT_INPUT)
    if findings is not None:
        try:
            verdicts = cal.read_audit(findings, labelled, [r.id for r in scheme.rules])
        except (OSError, ValueError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)
    else:
        inputs = list(paths) or [DEFAULT_TRANSCRIPTS]
        _exit_if_missing(inputs)
        verdicts = cal.audit_labelled(labelled, inputs, scheme, segmenter)
    for skipped in verdicts.skipped:
        click.echo(str(skipped), err=True)
    for error in verdicts.errors:
        click.echo(f"error: {error}", err=True)
    result = cal.calibrate(labelled, verdicts)
    csv_path, md_path = cal.write_calibration(out, result, scheme.name, labels.name, min_kappa)
    for title, group in (
        ("call not in the input", result.unknown_calls),
        ("rule not in the scheme", result.unknown_rules),
        ("rule not applicable to the call", result.not_applicable),
    ):
        for label in group:
            click.echo(
                f"{labels}:{label.line}: not compared ({title}): call {label.call_id!r}, rule {label.rule_id!r}",
                err=True,
            )
    compared = sum(m.labelled for m in result.rules)
    disagreeing = sum(m.disagreements for m in result.rules)
    click.echo(
        f"{compared} labelled pair(s) in {result.calls} call(s) compared ({verdicts.source}): "
        f"{compared - disagreeing} agree, {disagreeing} disagree → {csv_path}, {md_path}",
        err=True,
    )
    below = result.below(min_kappa)
    for m in below:
        assert m.kappa is not None  # `below` judges only a defined κ
        click.echo(
            f"rule {m.rule_id}: κ {float(m.kappa):.4f} < --min-kappa {min_kappa} ({m.labelled} labels)", err=True
        )
    sys.exit(EXIT_INPUT if verdicts.errors else EXIT_FAIL if below else EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--base",
    "base",
    required=True,
    help="The scheme before the change: a file or folder, or a Git revision REV:PATH (main:qa_rules).",
)
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="The scheme after the change.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--fail-on-flip", is_flag=True, default=False, help="Exit 1 when any call's `passed` flips.")
@click.option(
    "--calls-meta",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="CSV of call metadata keyed by call_id.",
)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
def diff(
    paths: tuple[Path, ...],
    base: str,
    rules: Path,
    fmt: str,
    fail_on_flip: bool,
    calls_meta: Path | None,
    segmenter: str | None,
) -> None:
    """Audit the calls under PATHS (default transcripts/) under --base and --rules and report what
    the change does: flipped calls, score changes, findings added and removed per rule.

    Exit 1 with --fail-on-flip when a call's `passed` flips, 2 when some input was rejected, 3 when
    either scheme is invalid (both are checked before any call is read).
    """
    from contextlib import nullcontext

    from . import diff as scheme_diff
    from .yamlpos import SchemeError

    base_path = Path(base)
    try:
        source = (
            nullcontext((base_path, str)) if base_path.exists() or ":" not in base else scheme_diff.git_scheme(base)
        )
        with source as (old_path, where):
            try:
                old, new = scheme_diff.load_pair(old_path, rules)
            except SchemeError as exc:
                for problem in exc.problems:
                    click.echo(where(problem), err=True)
                click.echo(f"{len(exc.problems)} problem(s) in the schemes: nothing compared", err=True)
                sys.exit(EXIT_SCHEME)
    except scheme_diff.GitSchemeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_SCHEME)
    inputs = list(paths) or [DEFAULT_TRANSCRIPTS]
    _exit_if_missing(inputs)
    result = scheme_diff.diff_paths(inputs, old, new, segmenter, calls_meta, base, str(rules))
    for skipped in result.skipped:
        click.echo(str(skipped), err=True)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(scheme_diff.FORMATS[fmt](result), nl=False)
    if result.calls == 0 and not result.errors:
        click.echo("error: no calls found to compare", err=True)
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_INPUT if result.errors else EXIT_FAIL if fail_on_flip and result.passed_flips else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
