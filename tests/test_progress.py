"""The audit progress bar: only on a terminal, only for big batches, never changing the items."""

import io
import json

from checker.progress import MIN_CALLS, estimate_calls, with_progress

from .conftest import ROOT


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_estimate_counts_the_sample_calls_exactly():
    assert estimate_calls([ROOT / "transcripts"]) == 49


def test_no_bar_when_piped(tmp_path):
    out = io.StringIO()
    assert list(with_progress(range(5), [ROOT / "transcripts"], out)) == list(range(5))
    assert out.getvalue() == ""


def test_bar_on_a_terminal_for_a_big_batch(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps({"call_id": f"c{i}"}) for i in range(MIN_CALLS + 10)) + "\n")
    out = FakeTerminal()
    items = list(range(MIN_CALLS + 10))
    assert list(with_progress(iter(items), [path], out)) == items
    assert "calls/s" in out.getvalue() and f"/{MIN_CALLS + 10}" in out.getvalue()


def test_no_bar_for_a_small_batch_even_on_a_terminal():
    out = FakeTerminal()
    assert list(with_progress(range(3), [ROOT / "transcripts"], out)) == [0, 1, 2]
    assert out.getvalue() == ""
