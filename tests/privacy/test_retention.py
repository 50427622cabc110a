"""Retention of traffic data (KC-2: at least 90 days, longer only on an official's order up to a
ceiling), purge runs logged, closed complaints anonymised unless held."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from complaints.models import Complaint, Role, Status
from privacy.models import TrafficRecord
from privacy.ops import tasks
from privacy.ops.models import LegalHold, PurgeRun
from privacy.ops.services.retention import (
    closed_complaints_anonymise,
    legal_hold_place,
    legal_hold_release,
    traffic_purge,
)

pytestmark = pytest.mark.django_db


def _traffic(days_ago: float, ip="203.0.113.1", ref="", now=None):
    now = now or timezone.now()
    return TrafficRecord.objects.create(
        at=now - timedelta(days=days_ago),
        ip_address=ip,
        method="GET",
        path="/api/v1/categories/",
        complaint_reference=ref,
    )


@pytest.fixture
def officer(user_factory):
    return user_factory(Role.PRIVACY_OFFICER, "dpo")


def test_day_89_kept_day_91_purged(demo):
    """clause: KC-2 (kept at least 90 days from entering the system)"""
    now = timezone.now()
    kept = _traffic(89, now=now)
    edge = _traffic(89.99, now=now)
    gone = _traffic(91, now=now)
    run = traffic_purge(now=now)
    assert set(TrafficRecord.objects.values_list("id", flat=True)) == {kept.id, edge.id}
    assert run.rows_purged == 1 and run.data_class == "traffic_data"
    assert TrafficRecord.objects.filter(pk=gone.pk).count() == 0


def test_floor_cannot_be_lowered_below_90_days(settings, demo):
    """clause: KC-2"""
    settings.OCC_TRAFFIC_RETENTION_DAYS = 10
    now = timezone.now()
    r = _traffic(60, now=now)
    traffic_purge(now=now)
    assert TrafficRecord.objects.filter(pk=r.pk).exists()


def test_floor_can_be_raised(settings, demo):
    settings.OCC_TRAFFIC_RETENTION_DAYS = 180
    now = timezone.now()
    r = _traffic(120, now=now)
    traffic_purge(now=now)
    assert TrafficRecord.objects.filter(pk=r.pk).exists()


def test_holds_by_ip_time_range_and_case_survive_the_purge_and_are_logged(officer, file_complaint):
    """clause: KC-2 (an official may order longer retention case by case)"""
    now = timezone.now()
    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    by_ip = _traffic(100, ip="198.51.100.9", now=now)
    by_range = _traffic(150, now=now)
    by_case = _traffic(120, ref=c.reference, now=now)
    plain = _traffic(100, now=now)
    until = now + timedelta(days=300)
    legal_hold_place(
        actor=officer,
        scope="ip",
        ip_address="198.51.100.9",
        order_reference="A-1",
        issuing_authority="พนักงานเจ้าหน้าที่ตาม พ.ร.บ.คอมพิวเตอร์",
        expires_at=until,
    )
    legal_hold_place(
        actor=officer,
        scope="time_range",
        time_from=now - timedelta(days=151),
        time_to=now - timedelta(days=149),
        order_reference="A-2",
        issuing_authority="ศาลอาญา",
        expires_at=until,
    )
    legal_hold_place(
        actor=officer,
        scope="case",
        complaint=c,
        order_reference="A-3",
        issuing_authority="บช.สอท.",
        expires_at=until,
    )
    run = traffic_purge(now=now)
    left = set(TrafficRecord.objects.values_list("id", flat=True))
    assert {by_ip.id, by_range.id, by_case.id} <= left and plain.id not in left
    assert run.rows_held == 3 and sorted(run.holds_respected) == ["A-1", "A-2", "A-3"]


def test_released_or_expired_hold_no_longer_protects(officer, demo):
    now = timezone.now()
    r = _traffic(100, ip="198.51.100.7", now=now)
    hold = legal_hold_place(
        actor=officer,
        scope="ip",
        ip_address="198.51.100.7",
        order_reference="B-1",
        issuing_authority="x",
        expires_at=now + timedelta(days=30),
    )
    legal_hold_release(actor=officer, hold=hold, reason="คดีสิ้นสุด")
    traffic_purge(now=now)
    assert not TrafficRecord.objects.filter(pk=r.pk).exists()


def test_hold_beyond_the_ceiling_is_refused(officer, demo, settings):
    """clause: KC-2 (up to 2 years; the ceiling is a setting)"""
    with pytest.raises(ValidationError) as e:
        legal_hold_place(
            actor=officer,
            scope="ip",
            ip_address="198.51.100.1",
            order_reference="C-1",
            issuing_authority="x",
            expires_at=timezone.now() + timedelta(days=731),
        )
    assert "expires_at" in e.value.message_dict
    settings.OCC_HOLD_CEILING_DAYS = 30
    with pytest.raises(ValidationError):
        legal_hold_place(
            actor=officer,
            scope="ip",
            ip_address="198.51.100.1",
            order_reference="C-2",
            issuing_authority="x",
            expires_at=timezone.now() + timedelta(days=31),
        )


def test_only_the_privacy_officer_places_holds(user_factory, demo):
    with pytest.raises(Http404):
        legal_hold_place(
            actor=user_factory(Role.AGENT),
            scope="ip",
            ip_address="198.51.100.1",
            order_reference="x",
            issuing_authority="x",
            expires_at=timezone.now() + timedelta(days=3),
        )


def test_hold_api_with_ceiling_error(staff_api):
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo2")
    r = dpo.post(
        "/api/v1/privacy/staff/holds/",
        {
            "scope": "ip",
            "ip_address": "198.51.100.3",
            "order_reference": "D-1",
            "issuing_authority": "ศาล",
            "expires_at": (timezone.now() + timedelta(days=800)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 400 and "expires_at" in r.json()["error"]["fields"]
    r = dpo.post(
        "/api/v1/privacy/staff/holds/",
        {
            "scope": "ip",
            "ip_address": "198.51.100.3",
            "order_reference": "D-1",
            "issuing_authority": "ศาล",
            "expires_at": (timezone.now() + timedelta(days=100)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201
    assert staff_api(Role.AGENT).get("/api/v1/privacy/staff/holds/").status_code == 404


def test_purge_works_in_batches_and_twice_is_harmless(demo):
    now = timezone.now()
    TrafficRecord.objects.bulk_create(
        [TrafficRecord(at=now - timedelta(days=95), method="GET", path="/x") for _ in range(25)]
    )
    run = traffic_purge(now=now, batch_size=10)
    assert run.rows_purged == 25 and run.batches == 3
    assert tasks.traffic_purge.apply().get() == {"purged": 0, "held": 0}
    assert PurgeRun.objects.count() == 2


def test_closed_complaints_are_anonymised_after_the_period_unless_held(officer, file_complaint, settings):
    settings.OCC_CLOSED_ANONYMISE_AFTER_DAYS = 30
    old = Complaint.objects.get(reference=file_complaint()["reference"])
    held = Complaint.objects.get(reference=file_complaint()["reference"])
    fresh = Complaint.objects.get(reference=file_complaint()["reference"])
    long_ago = timezone.now() - timedelta(days=40)
    Complaint.objects.filter(pk__in=[old.pk, held.pk]).update(status=Status.CLOSED, updated_at=long_ago)
    Complaint.objects.filter(pk=fresh.pk).update(status=Status.CLOSED)
    legal_hold_place(
        actor=officer,
        scope="case",
        complaint=held,
        order_reference="E-1",
        issuing_authority="x",
        expires_at=timezone.now() + timedelta(days=10),
    )
    run = closed_complaints_anonymise()
    assert run.rows_purged == 1 and run.rows_held == 1 and run.holds_respected == ["E-1"]
    assert Complaint.objects.get(pk=old.pk).complainant.anonymised_at is not None
    assert Complaint.objects.get(pk=held.pk).complainant.anonymised_at is None
    assert Complaint.objects.get(pk=fresh.pk).complainant.anonymised_at is None


def test_expired_holds_are_closed_in_the_register(officer, demo):
    hold = legal_hold_place(
        actor=officer,
        scope="ip",
        ip_address="198.51.100.1",
        order_reference="F-1",
        issuing_authority="x",
        expires_at=timezone.now() + timedelta(days=1),
    )
    LegalHold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.legal_holds_expire.apply().get() == 1
    assert tasks.legal_holds_expire.apply().get() == 0
    hold.refresh_from_db()
    assert hold.release_reason == "order expired"
