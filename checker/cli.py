"""The `qa-check` command line. Exit codes: 0 fine, 1 findings/test failures where a command
fails on them, 2 some input rejected, 3 the scheme is invalid."""
from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_SCHEME = 0, 1, 2, 3
DEFAULT_RULES = Path("qa_rules")
DEFAULT_TRANSCRIPTS = Path("transcripts")
DEFAULT_OUT = Path("reports/latest")


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
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rules", "rules", type=click.Path(path_type=Path), default=DEFAULT_RULES, show_default=True,
              help="Scheme: a YAML file or a folder of them.")
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Report folder (replaced atomically when the run completes).")
@click.option("--jobs", "-j", type=int, default=0, help="Worker processes (default: all cores).")
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None,
              help="Word segmenter for boundary checks (default: the scheme's, else rjieba).")
def audit(paths: tuple[Path, ...], rules: Path, out: Path, jobs: int, segmenter: str | None) -> None:
    """Audit transcripts (files or folders; default transcripts/) and write reports."""
    from .audit import default_jobs, run_audit

    scheme = _load_scheme_or_exit(rules)
    inputs = list(paths) or [DEFAULT_TRANSCRIPTS]
    summary = run_audit(inputs, rules, out, jobs=jobs or default_jobs(), segmenter=segmenter, scheme=scheme)
    failed = summary.audited - summary.passed
    click.echo(
        f"{summary.calls_in} call(s) in: {summary.audited} audited, {summary.rejected} rejected; "
        f"{summary.passed} passed, {failed} failed ({summary.fatal} fatal); "
        f"{summary.findings} finding(s) → {out}/",
        err=True,
    )
    if summary.rejected:
        click.echo(f"some input was rejected: see {out}/errors.csv", err=True)
    sys.exit(summary.exit_code)


@main.group()
def rules() -> None:
    """Check a scheme and run its examples."""


@rules.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_RULES)
def rules_validate(path: Path) -> None:
    """Check a scheme: keys, types, ids, regexes, lexicons, dialects."""
    scheme = _load_scheme_or_exit(path)
    examples = sum(len(r.config.examples) for r in scheme.rules)
    click.echo(f"{path}: scheme {scheme.name!r} is valid: {len(scheme.rules)} rule(s), "
               f"{len(scheme.book)} phrase(s), {examples} example(s)")


@rules.command("test")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_RULES)
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default=None)
def rules_test(path: Path, segmenter: str | None) -> None:
    """Run every rule's examples; exit 1 when one disagrees with its rule."""
    from .ruletest import run_examples

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


if __name__ == "__main__":  # pragma: no cover
    main()
