# Two entry points: `make audit` (audit transcripts/ with qa_rules/ into reports/latest/)
# and `make test`. Both create .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: audit test lint format-check install bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,parquet,dask]'
	touch $(STAMP)

install: $(STAMP)

audit: $(STAMP)
	$(BIN)/qa-check audit

test: lint
	$(BIN)/python -m pytest

# ruff (lint and format check) and mypy over checker/, tests/ and benchmarks/ (settings in
# pyproject.toml). `ruff format checker tests benchmarks` fixes what format-check reports.
# A `# type: ignore[code]` says why after it (`# type: ignore[attr-defined]  # reason`).
lint: format-check
	$(BIN)/ruff check checker tests benchmarks
	$(BIN)/mypy
	@bad=$$(grep -rn --include='*.py' 'type: ignore' checker tests benchmarks | grep -v 'type: ignore\[[^]]*\]  # [^ ]'); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "a type: ignore needs its code and a reason: '# type: ignore[code]  # why'"; exit 1; fi

format-check: $(STAMP)
	$(BIN)/ruff format --check checker tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The Markdown reference of the shipped scheme; a test fails when the committed copy is stale.
docs: $(STAMP)
	$(BIN)/qa-check rules docs qa_rules -o docs/rules/hotline-standard.md

clean:
	rm -rf $(VENV) reports/latest
