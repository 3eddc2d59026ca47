# Every target installs what it needs: on a fresh machine `make demo` and `make test` are enough.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# two install levels: the main job needs only the serving dependencies (no torch); tests,
# benchmarks and training add the dev and train extras
SERVE_STAMP := $(VENV)/.installed-serve
STAMP       := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup setup-serve demo serve test test-fast lint bench neo4j-build neo4j-start neo4j-stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,train]"
	touch $(STAMP) $(SERVE_STAMP)

setup: $(STAMP)

setup-serve: $(SERVE_STAMP)

# The main job: ingest the shipped sample into the embedded store, then serve the API.
demo: setup-serve
	$(BIN)/medkg ingest samples/
	$(BIN)/medkg stats
	$(BIN)/medkg serve --host $(HOST) --port $(PORT)

serve: setup-serve
	$(BIN)/medkg serve --host $(HOST) --port $(PORT)

neo4j-build: setup-serve
	$(BIN)/python scripts/neo4j.py build

neo4j-start: neo4j-build
	$(BIN)/python scripts/neo4j.py start

neo4j-stop:
	$(BIN)/python scripts/neo4j.py stop

# Everything, including the real-Neo4j tier and the slow tests.
test: setup neo4j-build
	$(BIN)/ruff check kg extractors loaders api tests benchmarks scripts
	$(BIN)/python scripts/system_deps.py
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not slow and not neo4j"

lint: setup
	$(BIN)/ruff check kg extractors loaders api tests benchmarks scripts

bench: setup neo4j-build
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf .medkg .pytest_cache
