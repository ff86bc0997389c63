VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup chromium test bench lint demo docs clean

setup: $(STAMP) chromium

# The report's browser tests and bench drive Debian's Chromium through Playwright (never a browser
# Playwright downloads); installed once, as root, when missing.
chromium:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 || { echo "make setup: /usr/bin/chromium is missing; as root: apt-get install -y chromium chromium-driver" >&2; exit 1; }; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'
	touch $@

# The suite builds the documentation too (tests/docs/test_site.py runs `mkdocs build --strict`).
test: setup
	$(PY) -m pytest

docs: setup
	$(VENV)/bin/mkdocs build --strict

bench: setup
	$(PY) bench/run.py
	$(PY) bench/findings.py
	$(PY) bench/scan.py
	$(PY) bench/generation.py
	$(PY) bench/validation.py
	$(PY) bench/connectors.py
	$(PY) bench/unused.py
	$(PY) bench/parse.py
	$(PY) bench/report.py
	$(PY) bench/authorization.py
	$(PY) bench/internal.py
	$(PY) bench/artifacts.py
	$(PY) bench/iac.py

lint: setup
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy solvers pipeline connectors

demo: setup
	$(VENV)/bin/trustmap demo --out out/demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
