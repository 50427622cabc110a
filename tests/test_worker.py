"""Runs only against a real broker and a real Celery worker process (CI's PostgreSQL pass)."""

import time

import pytest
from django.core import mail  # noqa: F401

from complaints.models import Category, Complaint
from complaints.services.intake import complaint_register
from occ import outbox
from occ.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


def test_acknowledgement_runs_in_the_worker_after_the_relay(real_worker, demo):
    category = Category.objects.get(code="other")
    registered = complaint_register(
        channel="web", category=category, description="worker test", identity={"email": "w@example.com"}
    )
    assert outbox.relay_now() == 1  # the relay's pass (manage.py outbox_relay / beat) hands it over
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Complaint.objects.filter(pk=registered.complaint.pk, acknowledged_at__isnull=False).exists():
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not acknowledge the complaint within 30 s")
    ping = real_worker.control.ping(timeout=5)
    assert ping, "no worker answered"
