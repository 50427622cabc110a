"""The Celery application. Tasks live in each app's ``tasks.py`` and are found automatically.

Queues and time limits: occ/settings/parts/tasks.py and each task's decorator. Logging: the
worker keeps Django's LOGGING (JSON in production) instead of configuring its own, and every
task's log lines carry the request id of the request that enqueued it (occ.observability.logs)."""

import logging.config
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occ.settings.default")

app = Celery("occ")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _logging_from_django(**_kwargs) -> None:
    """Connected, so Celery does not install its own handlers; Django's LOGGING applies."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _connections_checked(task=None, **_kwargs) -> None:
    """Before each task in a worker, what Django does before each request: drop a connection that
    is broken or older than CONN_MAX_AGE (Celery's fixup reuses it: CELERY_DB_REUSE_MAX). Not for
    a task run in-process (eager), which runs inside its caller's transaction."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


signals.task_prerun.connect(_connections_checked, weak=False)


def _connect_observability() -> None:
    from occ.observability import logs, metrics

    signals.before_task_publish.connect(logs.on_before_task_publish, weak=False)
    signals.task_prerun.connect(logs.on_task_prerun, weak=False)
    signals.task_postrun.connect(logs.on_task_postrun, weak=False)
    signals.task_prerun.connect(metrics.on_task_prerun, weak=False)
    signals.task_postrun.connect(metrics.on_task_postrun, weak=False)


_connect_observability()
