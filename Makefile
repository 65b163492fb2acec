# The two commands a fresh machine needs: `make run` and `make test` (`make lint`: the gates CI runs first).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-fast lint experiment bench compose-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m webapp.launcher

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (lint and format check), mypy on ml/, and no new repeated blocks: scripts/lint.sh says which failed.
lint: install
	VENV=$(VENV) scripts/lint.sh

# Unit tests only: skips the ones that train on the real bundled model.
test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# Teacher -> odd -> even -> LoRA on the bundled MiniLM and ../shared data (about 20 min on 2 cores).
experiment: install
	$(PY) scripts/experiment.py

bench: install
	$(PY) benchmarks/ml_speed.py

# docker compose up for real, checked through its port (about 17 min; not in `make test`): docs/DEPLOYMENT.md.
compose-check: install
	PY=$(PY) scripts/compose_check.sh

clean:
	rm -rf $(VENV) .pytest_cache runs
