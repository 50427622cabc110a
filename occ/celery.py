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


def _connect_observability() -> None:
    from occ.observability import logs, metrics

    signals.before_task_publish.connect(logs.on_before_task_publish, weak=False)
    signals.task_prerun.connect(logs.on_task_prerun, weak=False)
    signals.task_postrun.connect(logs.on_task_postrun, weak=False)
    signals.task_prerun.connect(metrics.on_task_prerun, weak=False)
    signals.task_postrun.connect(metrics.on_task_postrun, weak=False)


_connect_observability()
