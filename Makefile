# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install run test lint fmt check worker bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: install
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py load_demo
	@$(BIN)/python manage.py demo_info --port $(PORT)
	@$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	@$(BIN)/python -m pytest -q -p no:logging

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: install
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

check: install
	@$(BIN)/python manage.py makemigrations --check --dry-run
	@$(BIN)/python manage.py spectacular --validate --fail-on-warn > /dev/null

worker: install
	@$(BIN)/celery -A occ worker -B -l info

clean:
	rm -rf $(VENV) db.sqlite3 var
