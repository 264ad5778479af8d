# Every target here is what CI runs; `make test` is the whole of .ci/run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FROM ?= https://flickmovies.com/api/beta/openapi.json

.PHONY: install lint format typecheck check-generated regen test demo bench services mutation

# Re-installs only when pyproject.toml changes, so a second `make test` is fast.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: install
	$(VENV)/bin/mypy

check-generated: install
	$(PY) scripts/regen.py --check

# make regen                       pull the live schema
# make regen FROM=path/or/url      pull from elsewhere (ARGS=--allow-breaking to accept breaks,
#                                  ARGS=--dry-run to summarise only, ARGS='--summary-file F')
# make exits 2 whenever a recipe fails, so the script's own code (what CI should use:
# `python scripts/regen.py`) is named on the last line: 0 written or nothing to write,
# 3 breaking changes (nothing written), 2 invalid or unreachable schema (nothing written).
regen: install
	@$(PY) scripts/regen.py --from '$(FROM)' $(ARGS); code=$$?; \
	case $$code in \
	  0) echo "make regen: exit 0 (no breaking change)";; \
	  3) echo "make regen: exit 3 (breaking changes; nothing written)";; \
	  *) echo "make regen: exit $$code (invalid or unreachable schema, or a failed generation or write; see above)";; \
	esac; exit $$code

# The Redis rate-limiter tests need a real redis-server (and redis-cli): install them from Debian's packages
# when it is missing (CI runs as root; elsewhere sudo is used if present).
services:
	@{ command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server redis-tools >/dev/null; }

test: install services lint typecheck check-generated
	$(VENV)/bin/pytest

# The README's main job: a local Flick server in the background, the real Letterboxd export
# imported into it under the real limits (in 1-second windows), then the reviews listed.
demo: install
	$(PY) -m flick_async.cli.demo

# Benchmarks print ratios against a baseline measured in the same run; they assert nothing.
# make bench            every benchmark (the #13 target tables come from bench_facade and bench_batch)
# make bench QUICK=1    only those two, in their short --quick run (a minute or two, noisier)
QUICK_BENCHES := tests/benchmarks/bench_facade.py tests/benchmarks/bench_batch.py
bench: install
	@for bench in $(if $(QUICK),$(QUICK_BENCHES),tests/benchmarks/bench_*.py); do \
	  echo "== $$bench"; $(PY) $$bench $(if $(QUICK),--quick) || exit 1; done

# Mutation testing of the core modules (scripts/mutation.py, mutmut): slow, so not part of `make test`.
# make mutation                          every core module, a score table and the surviving mutants
# make mutation MODULES=_retry,_errors   only those modules
# make mutation JOBS=2                   mutants tested two at a time (default 1: the cores are shared)
mutation: install
	$(PY) scripts/mutation.py $(if $(MODULES),--modules $(MODULES)) $(if $(JOBS),--jobs $(JOBS))
