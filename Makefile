# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

SCREENSHOTS := test-artifacts/screenshots

.PHONY: install lock browser run test lint typecheck fmt check worker bench bench-tools bench-intake clean messages prod-smoke

# Installs exactly what the lock file names, every file checked against its hash (the image uses
# requirements.lock, the same resolution without the dev tools). Then the project itself, editable.
install: $(STAMP)

$(STAMP): requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check > /dev/null || { $(BIN)/python -m pip check; \
	  echo "requirements-dev.lock does not satisfy pyproject.toml: run 'make lock' and commit the lock files"; exit 1; }
	@touch $@

# Re-resolve both lock files from the direct pins in pyproject.toml (after adding or bumping a
# dependency there). Commit pyproject.toml and both lock files together.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-find-links --no-emit-index-url --no-emit-trusted-host
lock: install
	@$(PIP_COMPILE) -o requirements.lock pyproject.toml
	@$(PIP_COMPILE) --extra dev -o requirements-dev.lock pyproject.toml
	@echo "requirements.lock and requirements-dev.lock regenerated from pyproject.toml"

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

lint: install typecheck
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

# mypy with the Django and DRF plugins over the whole project (configuration in pyproject.toml).
typecheck: install
	@$(BIN)/mypy .

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
	@$(BIN)/python benchmarks/routing.py

worker: install
	@$(BIN)/celery -A occ worker -B -l info -Q intake,delivery,media,privacy

# The production profile as the image runs it, without Docker (PostgreSQL must be running).
prod-smoke: install
	@$(BIN)/python tools/prod_smoke.py

clean:
	rm -rf $(VENV) db.sqlite3 var
