"""The README's worked example is real: its rule loads and its examples hold, and the finding it
shows is what an audit of the sample calls writes."""

import json
import re

from checker.audit import audit_stream
from checker.ruletest import run_examples
from checker.scheme import load_scheme, load_scheme_text

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_loads_and_its_examples_hold():
    block = re.search(r"```yaml\n(  - id: taboo-phrases.*?)```", README, re.S).group(1)
    scheme = load_scheme_text("rules:\n" + block, name="README.md")
    results = run_examples(scheme)
    assert len(results) == 2 and all(r.ok for r in results), [r.report() for r in results if not r.ok]


def test_readme_finding_is_what_the_audit_writes():
    shown = json.loads(re.search(r"```json\n(.*?)```", README, re.S).group(1))
    scheme = load_scheme(ROOT / "qa_rules")
    records = [
        f.to_record()
        for r in audit_stream([ROOT / "transcripts"], scheme, ROOT / "qa_rules")
        if getattr(r, "call", None) and r.call.call_id == shown["call_id"]
        for f in r.findings
    ]
    assert shown in records


def test_readme_composite_rule_loads_and_its_examples_hold():
    block = re.search(r"```yaml\n(  - id: promise-without-verify.*?)```", README, re.S).group(1)
    scheme = load_scheme_text("rules:\n" + block, name="README.md")
    results = run_examples(scheme)
    assert len(results) == 2 and all(r.ok for r in results), [r.report() for r in results if not r.ok]
