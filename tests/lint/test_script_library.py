"""The sample script library with the shipped scheme: every script is clean but the draft that is
kept wrong on purpose for the demo (README "Lint the script library")."""

from pathlib import Path

from ..conftest import ROOT
from .conftest import run_lint

LIBRARY = Path("examples") / "script-library"
BAD = LIBRARY / "bad-refund-draft.md"


def test_only_the_bad_draft_fails_with_the_shipped_scheme(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_lint(LIBRARY)  # default --rules qa_rules
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"{BAD}:") for line in lines), result.stdout
    rules = {line.split(": ", 1)[1].split(" ", 1)[0] for line in lines}
    assert {"taboo-phrases", "no-dialect-switch"} <= rules
    assert f"{BAD}:9:10: taboo-phrases 使用服务禁语 (→ 请问有什么可以帮您？)" in lines
    assert "1 suppressed" in result.stderr  # the training counter-example, suppressed with a reason
    scripts = sorted(p.name for p in (ROOT / LIBRARY).iterdir() if p.suffix in {".md", ".txt", ".yaml"})
    assert scripts == [
        "bad-refund-draft.md",
        "closing.md",
        "complaint.yaml",
        "hold.txt",
        "opening.md",
        "refund.yaml",
        "verification.md",
    ]


def test_the_clean_scripts_pass_on_their_own(monkeypatch):
    monkeypatch.chdir(ROOT)
    clean = sorted(p for p in LIBRARY.iterdir() if p.is_file() and p != BAD)
    result = run_lint(*clean)
    assert result.exit_code == 0 and result.stdout == "", result.stdout


def test_the_readme_demo_shows_real_output(monkeypatch):
    import re

    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n\$ \.venv/bin/qa-check lint (\S+)\n(.*?)```", readme, re.S)
    assert block, "README has no `qa-check lint` demo"
    result = run_lint(block.group(1))
    shown = [line for line in block.group(2).splitlines() if line.startswith("examples/")]
    assert shown and all(line in result.stdout.splitlines() for line in shown), result.stdout
    summary = block.group(2).strip().splitlines()[-1]
    assert summary == result.stderr.strip().splitlines()[-1]
