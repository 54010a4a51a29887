# Two commands for a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: test serve lint typecheck pytest bench constraints clean test-clients test-uvicorn test-agents test-docs docs

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

# The suite with coverage and the docs' examples run side by side (each mostly keeps one
# core busy); --output-sync prints each one's report whole when it ends.
test: lint typecheck
	$(MAKE) --no-print-directory --output-sync=target -j2 pytest test-docs
	$(MAKE) --no-print-directory docs

# The documentation site, built strictly (a broken link or a missing page fails): site/.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

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
	$(BIN)/coverage run -m pytest --hypothesis-profile=ci --ignore=$(DOCS_TESTS) $(PYTEST_ARGS)
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

# Every Python and console block of README.md and docs/, run as a reader would
# (tests/test_docs_examples.py): each starts its own interpreter or pytest, so they run
# outside the coverage run, beside it in make test, on every core when run alone.
DOCS_TESTS := tests/test_docs_examples.py
test-docs: $(STAMP) examples/js/node_modules/.installed
	$(BIN)/python -m pytest $(DOCS_TESTS) -n auto --hypothesis-profile=ci $(PYTEST_ARGS)

# The client-library group: LangChain, LlamaIndex, LiteLLM, instructor, pydantic-ai and the
# official JavaScript SDK against the mock. Its own venv and pins (constraints-clients.txt),
# because LlamaIndex needs openai < 3 while constraints.txt pins openai 3.x.
CLIENTS_VENV ?= .venv-clients
CLIENTS_STAMP := $(CLIENTS_VENV)/.installed
JS := tests_clients/js

$(CLIENTS_STAMP): pyproject.toml constraints-clients.txt tests_clients/requirements.txt
	test -x $(CLIENTS_VENV)/bin/python || $(PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-clients.txt -e '.[testing]' -r tests_clients/requirements.txt
	touch $(CLIENTS_STAMP)

$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# -W: the libraries leave event loops and sockets to the garbage collector, which reports
# them when the session ends, after the tests; theirs to close, not the mock's.
test-clients: $(CLIENTS_STAMP) $(JS)/node_modules/.installed
	$(CLIENTS_VENV)/bin/python -m pytest tests_clients --hypothesis-profile=ci \
		-W "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning" $(PYTEST_ARGS)

# The one module that uses uvicorn's internals (mockserver/_adapters/uvicorn_seam.py) against
# the newest uvicorn release on PyPI, past the range pyproject.toml declares: an upgrade that
# breaks the seam fails CI, not users. Its own venv, the other pins as constraints.txt says.
UVICORN_VENV ?= .venv-uvicorn
test-uvicorn:
	rm -rf $(UVICORN_VENV) && $(PYTHON) -m venv $(UVICORN_VENV)
	grep -v -e '^uvicorn==' -e '^httptools==' constraints.txt > $(UVICORN_VENV)/constraints.txt
	$(UVICORN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c $(UVICORN_VENV)/constraints.txt -e '.[testing]'
	$(UVICORN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade --no-deps uvicorn httptools
	$(UVICORN_VENV)/bin/python -c "import uvicorn; print('uvicorn', uvicorn.__version__)"
	$(UVICORN_VENV)/bin/python -m pytest tests/test_protocol.py tests/test_server.py --hypothesis-profile=ci $(PYTEST_ARGS)

# The agent-framework group: DSPy, smolagents, the OpenAI Agents SDK, Haystack and AutoGen
# run their agents against the live mock, unscripted. Its own venv and pins
# (constraints-agents.txt): these frameworks pin openai, httpx and pydantic apart from both
# other groups. Telemetry is off (tests_agents/conftest.py); nothing leaves loopback.
AGENTS_VENV ?= .venv-agents
AGENTS_STAMP := $(AGENTS_VENV)/.installed

$(AGENTS_STAMP): pyproject.toml constraints-agents.txt tests_agents/requirements.txt
	test -x $(AGENTS_VENV)/bin/python || $(PYTHON) -m venv $(AGENTS_VENV)
	$(AGENTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-agents.txt -e '.[testing]' -r tests_agents/requirements.txt
	touch $(AGENTS_STAMP)

test-agents: $(AGENTS_STAMP)
	$(AGENTS_VENV)/bin/python -m pytest tests_agents --hypothesis-profile=ci -p no:cacheprovider \
		-W "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning" $(PYTEST_ARGS)

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
	rm -rf $(VENV) $(CLIENTS_VENV) $(UVICORN_VENV) $(AGENTS_VENV) $(JS)/node_modules site build dist .coverage .coverage.* .mypy_cache .ruff_cache examples/js/node_modules

.PHONY: bench-record
bench-record: $(STAMP)  # the recorder's overhead on a stream (docs/explanation/benchmarks.md)
	$(BIN)/python benchmarks/record.py
