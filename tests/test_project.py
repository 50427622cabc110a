"""Project-level behaviour: settings profiles, OpenAPI, demo data, acknowledgement task."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from complaints import tasks
from complaints.models import Agency, Category, Complaint, User
from interfaces.demo import demo_load

ROOT = Path(__file__).resolve().parent.parent


def _run_check(env_extra, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "occ.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_settings():
    r = _run_check({})
    assert r.returncode != 0 and "DJANGO_SECRET_KEY must be set" in r.stderr
    r = _run_check(
        {"DJANGO_SECRET_KEY": "x" * 60, "DATABASE_URL": "sqlite:///x.db", "CELERY_BROKER_URL": "redis://h"}
    )
    assert r.returncode != 0 and "PostgreSQL" in r.stderr
    # fingerprints kept as evidence need keys of their own, not one derived from SECRET_KEY
    r = _run_check(
        {
            "DJANGO_SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/d",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "OCC_FINGERPRINT_KEYS": "",
        }
    )
    assert r.returncode != 0 and "OCC_FINGERPRINT_KEYS" in r.stderr


def test_production_passes_check_deploy():
    r = _run_check(
        {
            "DJANGO_SECRET_KEY": "k" * 30 + "Q9#x" * 10,
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/d",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "DJANGO_ALLOWED_HOSTS": "occ.example",
            "OCC_FINGERPRINT_KEYS": "k1:" + "f" * 32,
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.django_db
def test_openapi_schema_is_served_and_documents_the_error_shape(api):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/complaints/" in text and "ErrorResponse" in text and "/api/v1/track/" in text
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_demo_loader_is_idempotent_and_has_the_seed_agencies(settings):
    demo_load()
    demo_load()
    assert Category.objects.count() == 7 and Agency.objects.count() == 8
    assert User.objects.filter(username="police", agency__code="ccib").exists()
    dd = Agency.objects.get(code="dindaeng")
    assert dd.email == "dindaeng.bma@gmail.com" and "02 245 2658" in dd.phone
    assert Agency.objects.get(code="most").fax == "0 2333 3833"
    for cat in Category.objects.all():
        assert cat.name_th and cat.name_en


@pytest.mark.django_db
def test_demo_users_never_in_production(settings):
    settings.OCC_DEMO_USERS_ALLOWED = False
    with pytest.raises(RuntimeError):
        demo_load(with_users=True)
    demo_load()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_acknowledgement_is_sent_once_even_when_the_task_runs_twice(
    django_capture_on_commit_callbacks, file_complaint
):
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_complaint()
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert filed["reference"] in msg.subject and filed["tracking_code"] not in msg.body
    c = Complaint.objects.get(reference=filed["reference"])
    assert tasks.complaint_acknowledge.apply(args=[c.pk]).get() is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_acknowledgement_task_without_an_email_address(django_capture_on_commit_callbacks, file_complaint):
    """clause: OCC-3 (contact only by the means the person gave: a phone-only complaint queues no
    e-mail acknowledgement, one with an address queues exactly one)"""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_complaint(complainant={"name": "สมหญิง", "phone": "0812345678"})
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        file_complaint()
    assert len(callbacks) == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_failed_acknowledgement_is_released_for_retry(file_complaint, monkeypatch):
    from complaints import notifications

    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    Complaint.objects.filter(pk=c.pk).update(acknowledged_at=None)

    def down(complaint):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "acknowledgement_send", down)
    with pytest.raises(ConnectionRefusedError):
        tasks.complaint_acknowledge.run(c.pk)
    c.refresh_from_db()
    assert c.acknowledged_at is None


@pytest.mark.django_db(transaction=True)
def test_a_complaint_filed_while_the_broker_is_away_is_answered_and_acknowledged_later(monkeypatch, demo):
    """clause: OCC-2, OCC-11 (the citizen still gets the reference and the one-time tracking code
    when the task queue cannot be reached; the acknowledgement stays due on the complaint's row and
    goes out with the next relay pass; one whose worker died is re-queued by the beat sweep)"""
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError
    from rest_framework.test import APIClient

    from occ import outbox
    from tests.conftest import complaint_body

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(tasks.complaint_acknowledge_batch, "apply_async", broker_down)
    r = APIClient().post("/api/v1/complaints/", complaint_body(), format="json")
    assert r.status_code == 201 and r.json()["tracking_code"]
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.acknowledged_at is None and c.acknowledgement_due and len(mail.outbox) == 0
    assert outbox.relay_now() == 0  # still away: nothing relayed, still due
    monkeypatch.undo()
    assert outbox.relay_now() == 1
    assert len(mail.outbox) == 1 and c.reference in mail.outbox[0].subject
    assert outbox.relay_now() == 0
    # the worker died after taking it: the sweep re-queues it once it is ten minutes old
    Complaint.objects.filter(pk=c.pk).update(acknowledged_at=None)
    assert tasks.acknowledgements_retry_due() == 0  # not yet ten minutes old
    Complaint.objects.filter(pk=c.pk).update(received_at=timezone.now() - timedelta(minutes=11))
    assert tasks.acknowledgements_retry_due() == 1
    assert len(mail.outbox) == 2 and c.reference in mail.outbox[1].subject
    assert tasks.acknowledgements_retry_due() == 0


def test_every_setting_of_a_part_is_imported_into_the_settings_by_name():
    """occ/settings/base.py imports each part's settings explicitly (no star import, no writing into
    globals()): a setting added to a part but not to that list would silently not exist. Issue 13."""
    import ast
    from pathlib import Path

    settings_dir = Path(__file__).resolve().parents[1] / "occ" / "settings"
    base = ast.parse((settings_dir / "base.py").read_text())
    imported: dict[str, set[str]] = {}
    for node in base.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("parts."):
            assert all(alias.name != "*" for alias in node.names), "no star import of a part"
            imported.setdefault(node.module.removeprefix("parts."), set()).update(a.name for a in node.names)
    for part in (settings_dir / "parts").glob("*.py"):
        if part.stem == "__init__":
            continue
        defined = {
            target.id
            for node in ast.parse(part.read_text()).body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name) and target.id.isupper() and target.id != "BEAT"
        }
        assert defined <= imported.get(part.stem, set()), (
            part.stem,
            sorted(defined - imported.get(part.stem, set())),
        )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's health check")
def test_the_connection_health_check_runs_after_idle_time_only(monkeypatch):
    """clause: OCC-8 (availability: a connection that went bad while idle is checked and
    replaced before a request uses it; one that served a request moments ago is not checked
    again)"""
    import time as time_module

    from django.db import connections

    from occ.db.postgresql.base import DatabaseWrapper

    connection = connections["default"]
    assert isinstance(connection, DatabaseWrapper)
    checks: list[bool] = []
    real = type(connection).is_usable
    monkeypatch.setattr(type(connection), "is_usable", lambda self: checks.append(True) or real(self))
    monkeypatch.setitem(connection.settings_dict, "HEALTH_CHECK_IDLE_SECONDS", 5.0)
    monkeypatch.setattr(connection, "health_check_enabled", True)

    def request_starts_and_queries():
        connection.health_check_done = False  # what Django does when a request starts
        with connection.cursor() as cursor:
            cursor.execute("SELECT 2")

    request_starts_and_queries()  # the test's connection may have been idle: perhaps checked
    checks.clear()
    request_starts_and_queries()
    request_starts_and_queries()
    assert checks == []  # used moments ago: no SELECT 1
    connection._occ_checked_at = time_module.monotonic() - 6
    request_starts_and_queries()
    assert checks == [True]  # idle longer than allowed: checked
    monkeypatch.setitem(connection.settings_dict, "HEALTH_CHECK_IDLE_SECONDS", 0)
    request_starts_and_queries()
    request_starts_and_queries()
    assert checks == [True, True, True]  # 0: before every request, as Django


def test_every_foreign_key_without_its_own_index_is_led_by_another():
    """A foreign key declared without its own index (so that an intake writes fewer index
    entries) is the first column of a composite index or unique constraint: look-ups, joins
    and the cascades of a deletion by it still use an index."""
    from django.apps import apps
    from django.db import models

    ours = {"complaints", "channels_intake", "privacy", "privacy_ops", "routing", "interfaces", "indicators"}
    unindexed = []
    for model in apps.get_models():
        if model._meta.app_label not in ours and not model.__module__.startswith(tuple(ours)):
            continue
        leading = {idx.fields[0].lstrip("-") for idx in model._meta.indexes if idx.fields}
        leading |= {
            c.fields[0]
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and c.fields
        }
        leading |= {fields[0] for fields in model._meta.unique_together}
        for field in model._meta.local_fields:
            own_index = field.db_index or field.unique
            if isinstance(field, models.ForeignKey) and not own_index and field.name not in leading:
                unindexed.append(f"{model._meta.label}.{field.name}")
    assert unindexed == []


OUR_APPS = {
    "complaints",
    "channels_intake",
    "intake_email",
    "intake_telephony",
    "open311",
    "privacy",
    "privacy_ops",
    "routing",
    "interfaces",
    "indicators",
    "signing",
}


def _pattern_indexes(tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname || '.' || i.relname FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_opclass o ON o.oid = ANY(x.indclass)"
            " WHERE o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops') AND t.relname = ANY(%s)",
            [tables],
        )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern indexes")
def test_no_pattern_index_on_our_tables():
    """Django gives every db_index or unique text column a second, ``varchar_pattern_ops``
    index on PostgreSQL, for ``LIKE 'prefix%'``; none of our queries searches by prefix, so the
    migrations drop them (occ.migration_ops.DropPatternIndexes) and a field changed later must
    not bring one back unnoticed: each is an index entry more per row an intake writes."""
    from django.apps import apps

    ours = [m._meta.db_table for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert {"complaints_complaint", "privacy_trafficrecord", "signing_signedrequestnonce"} <= set(ours)
    assert _pattern_indexes(ours) == []
    # the check sees them where they are: a third-party table keeps its own
    assert "auditlog_logentry.auditlog_logentry_cid_9f467263_like" in _pattern_indexes(["auditlog_logentry"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern indexes")
def test_pattern_indexes_come_back_when_the_migration_is_reversed():
    from django.core.management import call_command

    try:
        call_command("migrate", "privacy", "0005", verbosity=0)
        assert _pattern_indexes(["privacy_trafficrecord"]) == [
            "privacy_trafficrecord.privacy_trafficrecord_complaint_reference_79ec5694_like"
        ]
    finally:
        call_command("migrate", "privacy", verbosity=0)
    assert _pattern_indexes(["privacy_trafficrecord"]) == []
