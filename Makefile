# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Pinned versions (pip-tools): requirements.lock for the application (the container image
# installs it), requirements-dev.lock adds the test tools. Regenerate with `make lock`.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
LOCK_FLAGS ?=
PIP_COMPILE = $(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host --resolver=backtracking $(LOCK_FLAGS)

.PHONY: run test lint install browser office clean lock

# The lock's pins first; then the project itself, which only adds a dependency the lock
# does not have yet (one added to pyproject.toml since the last `make lock`).
$(STAMP): pyproject.toml $(wildcard $(DEV_LOCK))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if [ -f $(DEV_LOCK) ]; then $(BIN)/python -m pip install --quiet -r $(DEV_LOCK); fi
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/baocao demo

# Headless Chromium for the browser tests (Debian's package; the tests skip with
# a reason if it cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will skip"; \
	  else echo "warning: chromium missing and not installable here; browser tests will skip"; fi; }

# LibreOffice, poppler and fonts for the PDF and page tests (the tests skip with a
# reason if they cannot be installed).
office:
	@{ command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation fonts-dejavu-core >/dev/null) \
	      || echo "warning: could not install LibreOffice; PDF and page tests will skip"; \
	  else echo "warning: LibreOffice missing and not installable here; PDF and page tests will skip"; fi; }

test: $(STAMP) browser office
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Regenerate the lock files from pyproject.toml, keeping the current pins where they still
# fit; `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest allowed release.
lock: $(STAMP)
	$(PIP_COMPILE) --output-file $(LOCK) pyproject.toml
	$(PIP_COMPILE) --extra dev --output-file $(DEV_LOCK) pyproject.toml
	touch $(STAMP)

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache
