"""One audit per --out at a time, and a crash at any step of the final swap leaves one whole
report that the next run tidies (`checker/lock.py`, `checker/report/swap.py`)."""

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.report.swap import clean_leftovers

SCHEME = "scheme: s\nrules:\n  - {id: taboo, kind: forbidden, section: 禁语, message: m, deduct: 5, phrases: [说吧]}\n"


@pytest.fixture
def work(tmp_path):
    (tmp_path / "rules.yaml").write_text(SCHEME, encoding="utf-8")
    for name, n in (("one", 1), ("two", 2)):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(n):
            (folder / f"c{i}.txt").write_text(f"# agent_id: A{i}\n坐席: 说吧\n", encoding="utf-8")
    return tmp_path


def audit_args(work, calls, *extra):
    return [
        "audit",
        str(work / calls),
        "--rules",
        str(work / "rules.yaml"),
        "--out",
        str(work / "out"),
        "--jobs",
        "1",
        *extra,
    ]


def run_cli(work, calls, env=None, *extra):
    return subprocess.run(
        [sys.executable, "-m", "checker", *audit_args(work, calls, *extra)],
        cwd=work,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def calls_in(out: Path) -> int:
    with (out / "calls.csv").open(encoding="utf-8-sig") as fh:
        return len(list(csv.DictReader(fh)))


def leftovers(work) -> list[str]:
    return sorted(p.name for p in work.iterdir() if p.name.startswith(".out.") and not p.name.startswith(".out.lock"))


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from checker.lock import output_lock
    with output_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(120)
""")


def test_a_second_run_is_refused_naming_the_holder(work):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(work / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # an interrupted run's folder, which a --resume beside the live run must not adopt
        journal_folder = work / ".out.abc.tmp"
        journal_folder.mkdir()
        (journal_folder / "journal.jsonl").write_text("{}\n", encoding="utf-8")
        for extra in ([], ["--resume"]):
            result = CliRunner().invoke(main, audit_args(work, "one", *extra))
            assert result.exit_code == 3, result.output
            assert f"is being written by another audit: process {holder.pid} on " in result.output
        assert (journal_folder / "journal.jsonl").is_file() and not (work / "out").exists()
    finally:
        holder.kill()
        holder.wait()
    result = CliRunner().invoke(main, audit_args(work, "one"))  # the lock died with its process
    assert result.exit_code == 0, result.output
    assert calls_in(work / "out") == 1


@pytest.mark.parametrize(
    "step,two_step,expect",
    [
        ("swap-begin", False, 1),  # nothing moved: the previous report stands
        ("swap-exchanged", False, 2),  # the exchange is atomic: the new report stands, the old one is litter
        ("swap-intent", True, 2),  # the next run finishes the swap
        ("swap-old-moved", True, 2),  # no report for the moment: the next run puts the new one in place
        ("swap-new-moved", True, 2),
    ],
)
def test_a_crash_at_each_step_of_the_swap(work, step, two_step, expect):
    first = run_cli(work, "one")
    assert first.returncode == 0, first.stderr
    env = {"QA_CHECK_TEST_CRASH_AT": step}
    if two_step:
        env["QA_CHECK_TEST_TWO_STEP_SWAP"] = "1"
    crashed = run_cli(work, "two", env)
    assert crashed.returncode == 137, crashed.stderr
    out = work / "out"
    if step == "swap-old-moved":
        assert not out.exists()  # the moment the README owns up to
    else:
        assert calls_in(out) in (1, 2)
    notes = clean_leftovers(out)  # what the next run does first, under the lock
    assert calls_in(out) == expect
    assert leftovers(work) == [], (notes, leftovers(work))
    again = run_cli(work, "one")  # and the next run works as ever
    assert again.returncode == 0, again.stderr
    assert calls_in(out) == 1 and leftovers(work) == []


def test_a_run_killed_before_the_swap_keeps_the_previous_report(work):
    assert run_cli(work, "one").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "checker", *audit_args(work, "two")],
        cwd=work,
        env={**os.environ, "QA_CHECK_TEST_CRASH_AT": "swap-begin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert proc.wait(timeout=300) == 137
    assert calls_in(work / "out") == 1
    # the crashed run's folder (its journal already gone: it was complete) is removed by the next run
    assert leftovers(work)
    again = run_cli(work, "two")
    assert again.returncode == 0 and calls_in(work / "out") == 2 and leftovers(work) == []
