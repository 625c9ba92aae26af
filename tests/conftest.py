"""Shared fixtures: the repo's paths, the shared corpus (skipped when absent), a scheme builder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.read import parse_text
from checker.scheme import load_scheme_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "real_cs_dialogues.jsonl"


@pytest.fixture
def corpus_path() -> Path:
    if not CORPUS.is_file():
        pytest.skip("shared corpus not present")
    return CORPUS


def scheme_from(yaml_text: str, name: str = "test.yaml"):
    return load_scheme_text(textwrap.dedent(yaml_text), name=name)


def call_from(text: str, scheme):
    return parse_text(textwrap.dedent(text).strip(), scheme.roles)
