# The production image: everything occ.settings.production needs, and nothing else.
# Build: docker compose build (or docker build -t occ1212 .). See docs/operations.md.
#
# tools/prod_smoke.py builds the same file tree from the COPY lines below (without Docker) and
# runs the image's build steps and compose commands against it in CI: a path missing here fails
# there. Keep one source path per COPY line, relative to the repository root.

# --- build stage: dependencies from the lock file (hashes checked), translations, static files --
FROM python:3.11-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /app
COPY requirements.lock ./requirements.lock
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml ./pyproject.toml
COPY manage.py ./manage.py
COPY occ ./occ
COPY complaints ./complaints
COPY channels_intake ./channels_intake
COPY privacy ./privacy
COPY routing ./routing
COPY interfaces ./interfaces
COPY indicators ./indicators
COPY static ./static
COPY locale ./locale
# Build-time steps need the production settings to import; these values exist only in this RUN.
RUN DJANGO_SETTINGS_MODULE=occ.settings.production DJANGO_SECRET_KEY=build-only-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:1/build CELERY_BROKER_URL=redis://127.0.0.1:1/0 \
    STATIC_ROOT=/app/var/static \
    sh -c "python manage.py compilemessages -l th && python manage.py collectstatic --noinput -v0"

# --- runtime stage: the virtualenv and the tree, as an unprivileged user -----------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=occ.settings.production STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/app/var/media PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin occ
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
RUN mkdir -p /app/var/media /app/var/keys /tmp/prometheus && chown occ /app/var/media /app/var/keys /tmp/prometheus
WORKDIR /app
USER occ
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/', timeout=4)"]
CMD ["gunicorn", "occ.wsgi:application", "--config", "occ/gunicorn.conf.py"]
