# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

SCREENSHOTS := test-artifacts/screenshots

.PHONY: install browser run test lint fmt check worker bench bench-tools bench-intake clean messages

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

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used). Installed
# here when missing and apt-get is available; without it the browser tests are skipped, not failed.
browser:
	@{ test -x /usr/bin/chromium && test -d /usr/share/fonts/truetype/tlwg; } || { command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null 2>&1; }; }; } || \
	  echo "note: chromium is not installed; browser tests will be skipped"

test: install browser
	@OCC_SCREENSHOT_DIR=$(CURDIR)/$(SCREENSHOTS) $(BIN)/python -m pytest -q -p no:logging
	@echo "screenshots of the main screens: $(SCREENSHOTS)/"

# Thai translations: edit locale/th/LC_MESSAGES/django.po, then compile (needs GNU gettext).
messages: install
	@$(BIN)/python manage.py makemessages -l th --no-wrap --ignore=.venv --ignore=tests --ignore=benchmarks
	@$(BIN)/python manage.py compilemessages -l th --ignore=.venv

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: install
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

check: install
	@$(BIN)/python manage.py makemigrations --check --dry-run
	@$(BIN)/python manage.py spectacular --validate --fail-on-warn > /dev/null

# Benchmarks (PostgreSQL and Redis must be running; see docs/operations.md). The intake benchmark
# drives gunicorn with Debian's wrk, installed here when missing.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }; } || \
	  { echo "wrk is needed for benchmarks/intake.py: apt-get install wrk"; exit 1; }

bench-intake: install bench-tools
	@$(BIN)/python benchmarks/intake.py

bench: bench-intake
	@$(BIN)/python benchmarks/email_ingest.py
	@$(BIN)/python benchmarks/privacy.py
	@$(BIN)/python benchmarks/pages.py
	@$(BIN)/python benchmarks/media_upload.py

worker: install
	@$(BIN)/celery -A occ worker -B -l info

clean:
	rm -rf $(VENV) db.sqlite3 var
