"""Workers keep their database connection between tasks (issue 14: benchmarks/routing.py found a
new PostgreSQL backend per task) and still drop a broken or obsolete one before a task, as Django
does before a request. No seed clause covers it."""

from types import SimpleNamespace

import django.db
from celery.fixups.django import DjangoWorkerFixup
from django.conf import settings

from occ import celery as occ_celery


def _task(eager: bool):
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celery_does_not_close_the_connection_after_every_task():
    assert settings.CELERY_DB_REUSE_MAX >= 100
    assert DjangoWorkerFixup(occ_celery.app).db_reuse_max == settings.CELERY_DB_REUSE_MAX


def test_an_obsolete_connection_is_dropped_before_a_worker_task_but_never_in_process(monkeypatch):
    calls = []
    monkeypatch.setattr(django.db, "close_old_connections", lambda: calls.append(1))
    occ_celery._connections_checked(task=_task(eager=True))  # inside its caller's transaction
    assert calls == []
    occ_celery._connections_checked(task=_task(eager=False))
    assert calls == [1]
