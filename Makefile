# smarco-kg: two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The pages' front-end packages (package-lock.json, from the npm registry), copied where the server serves them.
VENDOR   := src/smarco_kg/web/static/vendor
VENDORED := $(VENDOR)/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

# The SPARQL benchmark's peers (bench/peers.txt), in a venv of their own so they never change the project's packages.
PEERS       := .venv-peers
PEERS_STAMP := $(PEERS)/.installed-$(shell cat bench/peers.txt | cksum | cut -d' ' -f1)

.PHONY: serve test lint bench bench-remote init clean browser virtuoso vendor peers wrk

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Exactly the files the pages load (Swagger UI for /docs) and their licences; again when the lock file changes.
# Debian's nodejs and npm are installed as root where missing; without them the server still runs and /docs says
# that its assets are missing (there is no CDN fallback).
$(VENDORED): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		( apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ) \
			|| echo "warning: could not install nodejs and npm" >&2; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "warning: npm is not installed and installing it needs root and apt-get; the pages run without" \
			"their front-end packages (/docs says so) and the accessibility tests are skipped" >&2; \
	elif npm ci --no-audit --no-fund --ignore-scripts; then \
		rm -rf $(VENDOR) && mkdir -p $(VENDOR) && \
		cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/ && \
		cp node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt $(VENDOR)/ && \
		cp node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui.LICENSE && \
		cp node_modules/swagger-ui-dist/NOTICE $(VENDOR)/swagger-ui.NOTICE && \
		touch $@; \
	else \
		echo "warning: npm ci failed; the pages run without their front-end packages (/docs says so)" >&2; \
	fi

vendor: $(VENDORED)

init: $(STAMP) $(VENDORED)
	$(BIN)/smarco-kg init --store $(STORE)

serve: init
	$(BIN)/smarco-kg serve --store $(STORE) --host $(HOST) --port $(PORT)

# Debian's chromium for the query page's browser tests; without it (no root, no apt) they are skipped, not failed.
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		( apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium ) \
			|| echo "warning: could not install chromium; the browser tests will be skipped" >&2; \
	else \
		echo "warning: chromium is not installed and installing it needs root and apt-get;" \
			"the browser tests will be skipped" >&2; \
	fi

# Debian's Virtuoso for the remote-store tests; without it (no root, no apt) they are skipped, not failed.
virtuoso:
	@if command -v virtuoso-t >/dev/null 2>&1; then \
		echo "virtuoso: $$(command -v virtuoso-t)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		( apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin ) \
			|| echo "warning: could not install Virtuoso; the remote-store tests will be skipped" >&2; \
	else \
		echo "warning: Virtuoso is not installed and installing it needs root and apt-get;" \
			"the remote-store tests will be skipped" >&2; \
	fi

# Test modules are spread over worker processes (each with its own template stores and Virtuoso pool); a module
# stays on one worker, so its module-scoped servers start once. The slowest tests are listed at the end of a run.
test: $(STAMP) $(VENDORED) browser virtuoso
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile --durations=30

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Debian's wrk, the load client of the side-by-side SPARQL runs (a Python client would measure itself).
wrk:
	@if command -v wrk >/dev/null 2>&1; then \
		echo "wrk: $$(command -v wrk)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		( apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk ) \
			|| { echo "could not install wrk" >&2; exit 1; }; \
	else \
		echo "wrk is not installed and installing it needs root and apt-get" >&2; exit 1; \
	fi

$(PEERS_STAMP): bench/peers.txt
	@test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet -r bench/peers.txt
	@rm -f $(PEERS)/.installed-*
	@touch $@

# The Oxigraph server (the engine's own, the same version as pyoxigraph) and rdflib-endpoint, driven by wrk.
peers: $(PEERS_STAMP) wrk

bench: $(STAMP) peers
	$(BIN)/python bench/foundation.py
	$(BIN)/python bench/community.py
	$(BIN)/python bench/sparql.py
	$(BIN)/python bench/api.py

# The embedded store against a real Virtuoso (Debian's, as the tests use).
bench-remote: $(STAMP) virtuoso
	$(BIN)/python bench/remote.py

clean:
	rm -rf var .pytest_cache tests/artefacts $(PEERS)
