# Two commands for a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: test serve lint typecheck pytest bench constraints clean

SERVE_STAMP := $(VENV)/.installed-serve

# The whole development set (tests, linters, the openai SDK): what `make test` needs.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP) $(SERVE_STAMP)

# Only what serving needs, so `make serve` on a fresh clone starts in seconds; a venv that
# already has the development set has it too.
$(SERVE_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $(SERVE_STAMP)

test: lint typecheck pytest

# The official openai SDK for Node, for examples/js/conform_client.mjs (skipped without npm).
examples/js/node_modules/.installed: examples/js/package.json examples/js/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix examples/js --no-audit --no-fund --silent && touch $@; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) examples/js/node_modules/.installed
	rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest --hypothesis-profile=ci $(PYTEST_ARGS)
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

serve: $(SERVE_STAMP)
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

constraints:  # re-pin every dependency to the newest versions pyproject.toml allows
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	.venv-pin/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	{ sed -n '1,2p' constraints.txt; .venv-pin/bin/pip freeze --exclude-editable | grep -v '^aimlapi'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-pin

clean:
	rm -rf $(VENV) build dist .coverage .coverage.* .mypy_cache .ruff_cache examples/js/node_modules

.PHONY: bench-record
bench-record: $(STAMP)  # the recorder's overhead on a stream (README "Record, replay, drift")
	$(BIN)/python benchmarks/record.py
