# CybeRéponse — every target bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-pg lint bench system-deps init clean translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# Programs the checks and browser tests drive for real, the Pango libraries WeasyPrint renders PDF
# reports with, and ClamAV's daemon (the upload tests start their own clamd with a test signature):
# installed through apt when missing.
system-deps:
	@missing=""; \
	command -v nmap >/dev/null 2>&1 || missing="$$missing nmap"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list >/dev/null 2>&1 || missing="$$missing fontconfig"; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0.so || missing="$$missing libpango-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so || missing="$$missing libpangoft2-1.0-0"; \
	test -x /usr/sbin/clamd || missing="$$missing clamav-daemon"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

init: $(STAMP)
	$(BIN)/cyberreponse init

run: init
	$(BIN)/cyberreponse serve --host $(HOST) --port $(PORT)

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The database-touching tests again, on PostgreSQL (CI runs this after `make test`).
test-pg: $(STAMP)
	CYBERREPONSE_TEST_DATABASE_URL=$${CYBERREPONSE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m pytest -n 2 -m db $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The benchmarks' own dependencies (checkdmarc, to compare the checks with) stay out of the test venv's
# requirements: installed on first `make bench`.
$(VENV)/.bench-installed: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	touch $@

bench: $(STAMP) $(VENV)/.bench-installed system-deps
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Refresh the message catalogue after changing UI text, then translate the new entries in the .po files.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output -o cyberreponse/translations/messages.pot .
	$(BIN)/pybabel update -i cyberreponse/translations/messages.pot -d cyberreponse/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d cyberreponse/translations
