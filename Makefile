# Two commands for a newcomer: `make demo` runs everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
NODE := node_modules/.installed

.PHONY: demo test lint format bench install clean lock audit

# Every install comes from the pinned, hashed lock files (`make lock` remakes them from
# pyproject.toml), then the project itself without its dependencies; `pip check` fails the
# install if pyproject.toml names a package the lock lacks.
LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
PIP := $(BIN)/python -m pip --disable-pip-version-check
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

# The demo needs only the runtime packages (a quicker first start); tests add the dev tools.
$(RUNTIME): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	$(PIP) check
	touch $(RUNTIME)

$(DEV): $(RUNTIME) $(DEV_LOCK)
	$(PIP) install --quiet --require-hashes -r $(DEV_LOCK)
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

# The same suite on PostgreSQL and Redis (both already running; .ci/run starts them).
TEST_DATABASE_URL ?= postgres://oncall:oncall@127.0.0.1:5432/oncall
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
.PHONY: test-postgres
test-postgres: $(DEV) $(NODE)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest -n 2 --dist loadfile -q -p no:cacheprovider

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV)
	$(BIN)/python -m benchmarks

# After a change of dependencies in pyproject.toml: pin and hash them again (needs PyPI).
lock: $(DEV)
	$(COMPILE) -o $(LOCK) pyproject.toml
	$(COMPILE) --extra dev -c $(LOCK) -o $(DEV_LOCK) pyproject.toml

# Known vulnerabilities in every pinned package, from PyPI's advisory data (per release:
# https://pypi.org/pypi/NAME/VERSION/json). --strict: a package that could not be looked up
# fails the audit instead of passing unchecked.
audit: $(DEV)
	@$(BIN)/python -c "import urllib.request; urllib.request.urlopen('https://pypi.org/pypi/django/5.2/json', timeout=15)" 2>/dev/null \
	  || { echo "make audit: PyPI's vulnerability data (https://pypi.org/pypi/NAME/VERSION/json) cannot be reached from here; nothing was checked." >&2; exit 2; }
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --progress-spinner off -r $(LOCK) -r $(DEV_LOCK)

clean:
	rm -rf $(VENV) node_modules var/db.sqlite3* var/staticfiles
