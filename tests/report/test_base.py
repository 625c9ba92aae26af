"""`report.base`: the parts a run renders are keyed by writer name, so the process that writes
the reports need not have registered its writers in the order the rendering process did."""

from __future__ import annotations

from checker.report import WRITERS, ReportOptions, write_reports
from checker.report.base import render_run

from .conftest import write


def folder_bytes(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_parts_are_keyed_by_writer_name(scheme, results):
    run = render_run(results[:3], scheme, ReportOptions())
    assert list(run.parts) == list(WRITERS)
    assert [c.call_id for c in run.calls] == ["call-01", "call-02", "call-03"]
    # findings.jsonl renders one JSON text for the run: its part holds the run's lines
    assert run.parts["findings.jsonl"].count(b"\n") == sum(len(r.findings) for r in results[:3])


def test_runs_rendered_in_another_registration_order_write_the_same_reports(tmp_path, scheme, results):
    """As when a worker process imported the writer modules in another order than the parent."""
    expected = folder_bytes(write(tmp_path / "direct", scheme, results))
    saved = dict(WRITERS)
    try:
        WRITERS.clear()
        WRITERS.update(reversed(saved.items()))
        runs = [render_run(results[i : i + 4], scheme, ReportOptions()) for i in range(0, len(results), 4)]
    finally:
        WRITERS.clear()
        WRITERS.update(saved)
    assert list(runs[0].parts) == list(reversed(saved))
    write_reports(tmp_path / "rendered", scheme, iter(runs))
    assert folder_bytes(tmp_path / "rendered") == expected
    assert len(expected) >= len(WRITERS)


def test_a_subset_of_writers_takes_its_own_parts(tmp_path, scheme, results):
    names = ["calls.csv", "findings.csv"]
    runs = [render_run(results, scheme, ReportOptions())]
    write_reports(tmp_path / "some", scheme, iter(runs), writers=list(reversed(names)))
    written = folder_bytes(tmp_path / "some")
    full = folder_bytes(write(tmp_path / "all", scheme, results))
    assert all(written[n] == full[n] for n in names)
    assert "findings.jsonl" not in written and "report.xlsx" not in written
