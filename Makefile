# Two commands for a newcomer: `make demo` runs everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
NODE := node_modules/.installed

.PHONY: demo test lint format bench install clean

# The demo needs only the runtime packages (a quicker first start); tests add the dev tools.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(DEV)

# axe-core (accessibility checks in the browser tests) and @octokit/openapi (GitHub's API
# description, for the sandbox's contract tests).
$(NODE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(NODE)

install: $(DEV) $(NODE)

demo: $(RUNTIME)
	$(BIN)/python manage.py demo

test: $(DEV) $(NODE)
	@command -v chromium >/dev/null || echo "note: chromium is missing; run: apt-get install -y chromium (browser tests will fail)"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -p no:cacheprovider

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules var/db.sqlite3* var/staticfiles
