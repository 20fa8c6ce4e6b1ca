# The same few commands locally and in CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: chat test test-postgres lint format serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

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

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache
