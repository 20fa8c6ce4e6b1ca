# The same few commands locally and in CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# Every package pinned with its hashes: the runtime, and the runtime with the dev extras.
LOCK := requirements/main.txt
DEV_LOCK := requirements/dev.txt
# The project itself comes after its pinned dependencies, built by the pinned setuptools.
INSTALL_PROJECT := $(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --all-build-deps --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

.PHONY: chat test test-postgres lint typecheck format serve clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(INSTALL_PROJECT)
	touch $@

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(INSTALL_PROJECT)
	touch $(STAMP) $@

# The lock files again from pyproject.toml, after a dependency was added or changed; pins
# already there stay unless `make lock UPGRADE=1`. Needs PyPI.
lock: $(DEV_STAMP)
	$(PIP_COMPILE) --output-file $(LOCK) pyproject.toml
	$(PIP_COMPILE) --extra dev --output-file $(DEV_LOCK) pyproject.toml

chat: $(STAMP)
	$(BIN)/optobot chat

serve: $(STAMP)
	$(BIN)/optobot serve

test: $(DEV_STAMP)
	$(BIN)/optobot kb check
	$(BIN)/pytest -q

# The storage contract again on PostgreSQL: every test that uses the database_url fixture
# (storage, dialogues, concurrency) runs with its PostgreSQL parameter.
test-postgres: $(DEV_STAMP)
	@test -n "$$OPTOBOT_TEST_DATABASE_URL" || { echo "set OPTOBOT_TEST_DATABASE_URL (see .ci/run)"; exit 2; }
	$(BIN)/pytest -q -k postgresql

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) typecheck

# mypy --strict on bot, handlers and knowledge ([tool.mypy] in pyproject.toml)
typecheck: $(DEV_STAMP)
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache
