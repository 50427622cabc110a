"""Privacy-policy versions and their announcements (OCC-12); cookie preferences (OCC-10)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from complaints.access import Can, require
from complaints.models import Complaint
from occ.refcache import ProcessCopy
from occ.rows import new, rows_insert

from ..models import ComplaintPolicy, CookiePreference, PolicyNotice, PolicyVersion


def _in_force(at=None):
    return PolicyVersion.objects.filter(
        published_at__isnull=False, effective_at__lte=at or timezone.now()
    ).order_by("-effective_at", "-id")


def policy_current(at=None) -> PolicyVersion | None:
    return _in_force(at).first()


def policy_version_publish(
    *, actor, policy: PolicyVersion, notice_th: str = "", notice_en: str = ""
) -> PolicyNotice:
    """Publish a version: it cannot change afterwards, and a notice goes to the web and app feed."""
    require(actor, Can.PRIVACY_DECIDE)
    if policy.published_at:
        raise ValidationError({"policy": ["This version is already published."]})
    with transaction.atomic():
        policy.published_at = timezone.now()
        policy.save(update_fields=["published_at"])
        when_th = timezone.localdate(policy.effective_at)
        return PolicyNotice.objects.create(
            policy=policy,
            text_th=notice_th
            or (
                f"ปรับปรุงนโยบายการคุ้มครองข้อมูลส่วนบุคคล ฉบับ {policy.version} มีผลตั้งแต่วันที่ "
                f"{when_th.day}/{when_th.month}/{when_th.year + 543}. {policy.change_summary_th}"
            ).strip(),
            text_en=notice_en
            or (
                f"Privacy policy version {policy.version} takes effect on {when_th.isoformat()}. "
                f"{policy.change_summary_en}"
            ).strip(),
        )


def _published_versions() -> list[tuple]:
    """(effective_at, id) of every published version, newest first: a few rows, kept per process."""
    return list(
        PolicyVersion.objects.filter(published_at__isnull=False)
        .order_by("-effective_at", "-id")
        .values_list("effective_at", "id")
    )


published_versions = ProcessCopy(_published_versions, models=("privacy_ops.PolicyVersion",))


def policy_in_force_id(at) -> int | None:
    """The id of the version in force at ``at``, without a query (a version whose effective date
    arrives later takes over by itself: the copy holds the dates, not the answer)."""
    for effective_at, pk in published_versions.get():
        if effective_at <= at:
            return pk
    return None


def policy_record_for_complaint(complaint: Complaint) -> None:
    """Remember which policy was in force at intake (called by the intake service)."""
    current_id = policy_in_force_id(complaint.received_at)
    if current_id is not None:
        # create(); in the intake's rows_together() block, written with its other rows
        rows_insert([new(ComplaintPolicy, complaint=complaint, policy_id=current_id)], later=True)


def cookie_preference_record(*, browser_id: str | None, statistics: bool) -> CookiePreference:
    """Store (append) a browser's choice. Refusing statistics changes nothing else (OCC-10)."""
    try:
        bid = uuid.UUID(str(browser_id)) if browser_id else uuid.uuid4()
    except ValueError:
        bid = uuid.uuid4()
    current = policy_current()
    return CookiePreference.objects.create(
        browser_id=bid, statistics=bool(statistics), policy_version=current.version if current else ""
    )


def cookie_preference_current(browser_id: str | None) -> CookiePreference | None:
    try:
        bid = uuid.UUID(str(browser_id))
    except (TypeError, ValueError):
        return None
    return CookiePreference.objects.filter(browser_id=bid).order_by("-decided_at", "-id").first()
