# Two commands set everything up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test`: pytest-xdist with a worker more than the cores (the lab's tests spend much of
# their time waiting out outages), each with its own lab; the tests of the built report
# archives share a worker, and the long tests are handed out first (tests/conftest_xdist.py).
# `make test PARALLEL=` runs them in one process.
PARALLEL ?= -n $(shell echo $$(( $$(nproc) + 1 ))) --dist loadgroup --no-loadscope-reorder

.PHONY: demo test test-fast lint format benchmarks clean-venv

# The install is uv's (uv itself installed beside the venv by the Python that makes it; the
# project from PyPI, with pip beside it): pip took 20 s of a clean clone's `make test`, 13 s
# of them resolving, and the venv's own pip 3 s more; uv takes 4-6 s. Where uv cannot
# install (no PyPI, only a mirror pip is configured for, no pip to fetch uv), pip does it.
# Neither byte-compiles what it installs (compiling every module took as long as pip's whole
# install); Python compiles what is imported, once, on first use. That needs bytecode caches
# written, so the targets that run the workbook clear PYTHONDONTWRITEBYTECODE: the suite
# starts hundreds of Python processes (kernels, the CLI, servers) that would each compile what
# they import anew, and pytest would rewrite every test module in every worker.
demo test test-fast benchmarks: export PYTHONDONTWRITEBYTECODE =

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip install --quiet --root-user-action=ignore --upgrade --target $(VENV)/uv uv && \
	$(VENV)/uv/bin/uv pip install --quiet --python $(BIN)/python --upgrade pip -e '.[dev]' || { \
	  echo "uv could not install: pip installs instead"; \
	  $(BIN)/python -m ensurepip --upgrade >/dev/null && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'; }
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bookstore-resil validate
	$(BIN)/bookstore-resil deps
	$(BIN)/bookstore-resil lab up
	$(BIN)/bookstore-resil drill api-failure --execute
	@echo "The lab is still up: open the workbook with '$(BIN)/jupyter lab notebooks/'"
	@echo "or stop it with '$(BIN)/bookstore-resil lab down'."

# mypy runs beside pytest, at the lowest priority: its 12 s of CPU go into the moments when
# every pytest worker waits (an outage timer, a timeout), not into the workers' share. Its
# verdict is printed after pytest's, and either failing fails the target.
test: $(STAMP)
	$(BIN)/ruff check bookstore_resil tests benchmarks
	$(BIN)/ruff format --check bookstore_resil tests benchmarks
	@typed=$$(mktemp); nice -n 19 $(BIN)/mypy bookstore_resil >$$typed 2>&1 & mypy=$$!; \
	echo "nice -n 19 $(BIN)/mypy bookstore_resil (beside pytest)"; \
	echo 'PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PARALLEL)'; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PARALLEL); tested=$$?; \
	wait $$mypy; checked=$$?; echo "mypy:"; cat $$typed; rm -f $$typed; \
	[ $$tested -ne 0 ] && exit $$tested; exit $$checked

# Pure logic only: no lab, no kernel, no browser, no moto server (tests marked slow).
test-fast: $(STAMP)
	$(BIN)/ruff check bookstore_resil tests benchmarks
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -m "not slow" -q

lint: $(STAMP)
	$(BIN)/ruff check bookstore_resil tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format bookstore_resil tests benchmarks
	$(BIN)/ruff check --fix bookstore_resil tests benchmarks

# `make benchmarks`: one line a figure, with its floor from the same run and its target; each
# benchmark's --full prints more.
benchmarks: $(STAMP)
	@began=$$(date +%s); \
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done; \
	echo "make benchmarks: $$(( $$(date +%s) - began )) s (target: under 300 s)"

clean-venv:
	rm -rf $(VENV)
