FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=occ.settings.production
WORKDIR /app
COPY pyproject.toml ./
COPY occ ./occ
COPY complaints ./complaints
COPY channels_intake ./channels_intake
COPY privacy ./privacy
COPY interfaces ./interfaces
COPY manage.py ./
RUN pip install --no-cache-dir . && useradd --system --home /app occ && mkdir -p /app/var && chown occ /app/var
USER occ
EXPOSE 8000
CMD ["gunicorn", "occ.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
