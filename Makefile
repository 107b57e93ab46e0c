# Two commands do everything on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
# mkdocs-material prints a multi-line notice on every build; the README covers it.
export NO_MKDOCS_2_WARNING := 1
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.drillbook-installed
NPM_STAMP := node_modules/.drillbook-installed

.PHONY: setup serve site test drill bench-drill clean

setup: $(SETUP_STAMP) $(NPM_STAMP)

$(SETUP_STAMP): pyproject.toml
	command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } \
	  || { echo "drills need bwrap: install Debian's bubblewrap package" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

site: setup
	$(BIN)/mkdocs build --strict --site-dir site

test: setup
	$(BIN)/pytest

drill: setup
	$(BIN)/drillbook drill

# COPIES: how many copies of the shipped runbooks the batch drills, JOBS at a time.
COPIES ?= 100
JOBS ?= 2
bench-drill: setup
	$(BIN)/python -m drillbook.drill.bench --copies $(COPIES) --jobs $(JOBS)

clean:
	rm -rf site .pytest_cache
