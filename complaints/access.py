"""The one access layer: who may do what to which object.

Every decision about an actor's reach is made here, from one capability map. Views, serializers
and services never compare roles themselves: they ask ``actor_can`` (to show or hide a button),
``require`` (an action with no object) or an ``access_*`` helper (an object), and every refusal is
``Http404``, the same answer as for an object that does not exist (no existence oracle).

Agency officers and agency systems reach case data only through their referrals
(``access_agency_referral``); the staff API and the desk never show them a case.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import Attachment, Complaint, Role


class Can(StrEnum):
    """What an actor may do. One name per kind of action; the map below says who."""

    CASE_READ = "case.read"  # read cases with the complainant's identity (each read is logged)
    CASE_WORK = "case.work"  # status, notes, take a case, phone and fax intake, evidence
    CASE_ROUTE = "case.route"  # routing preview, referrals, consents and legal orders
    CASE_ASSIGN_OTHERS = "case.assign_others"  # give a case to someone else
    CASE_ASSIGNABLE = "case.assignable"  # may be given a case
    REFERRAL_QUEUE = "referral.queue"  # the referrals queue and stuck transfers
    REFERRAL_RESEND = "referral.resend"  # resend a failed or delivered referral
    SUPERVISE = "supervise"  # the supervisor's board
    MEDIA_READ = "media.read"  # recordings, fax pages, call logs
    INBOUND_REPROCESS = "inbound.reprocess"  # reprocess a quarantined inbound item
    DSR_OPEN = "dsr.open"  # open a data-subject request for a caller after an identity check
    PRIVACY_READ = "privacy.read"  # data-subject requests, holds, purge runs, access report
    PRIVACY_DECIDE = "privacy.decide"  # grant or refuse requests, holds, policies, retention
    BREACH_READ = "breach.read"  # the breach register
    BREACH_RECORD = "breach.record"  # record a breach that was found
    BREACH_MANAGE = "breach.manage"  # record the notifications of a breach
    RECORDS_READ = "records.read"  # the record of processing (s.39)
    AUDIT_TRANSFERS = "audit.transfers"  # read and verify the transfer log
    AUDIT_ONLY = "audit.only"  # reads, never writes (the auditor's exports are marked so)
    AGENCY_INBOX = "agency.inbox"  # an agency officer's inbox: their agency's referrals only


_WORKER = {
    Can.CASE_READ,
    Can.CASE_WORK,
    Can.CASE_ROUTE,
    Can.REFERRAL_QUEUE,
    Can.MEDIA_READ,
    Can.INBOUND_REPROCESS,
    Can.DSR_OPEN,
}

CAPABILITIES: dict[str, frozenset[Can]] = {
    Role.AGENT: frozenset(_WORKER | {Can.CASE_ASSIGNABLE}),
    Role.SUPERVISOR: frozenset(
        _WORKER
        | {
            Can.CASE_ASSIGNABLE,
            Can.CASE_ASSIGN_OTHERS,
            Can.REFERRAL_RESEND,
            Can.SUPERVISE,
            Can.BREACH_READ,
            Can.BREACH_RECORD,
            Can.RECORDS_READ,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        _WORKER
        | {
            Can.CASE_ASSIGN_OTHERS,
            Can.REFERRAL_RESEND,
            Can.SUPERVISE,
            Can.PRIVACY_READ,
            Can.PRIVACY_DECIDE,
            Can.BREACH_READ,
            Can.BREACH_RECORD,
            Can.BREACH_MANAGE,
            Can.RECORDS_READ,
            Can.AUDIT_TRANSFERS,
        }
    ),
    Role.PRIVACY_OFFICER: frozenset(
        {
            Can.CASE_READ,
            Can.MEDIA_READ,
            Can.DSR_OPEN,
            Can.PRIVACY_READ,
            Can.PRIVACY_DECIDE,
            Can.BREACH_READ,
            Can.BREACH_RECORD,
            Can.BREACH_MANAGE,
            Can.RECORDS_READ,
            Can.AUDIT_TRANSFERS,
        }
    ),
    Role.AUDITOR: frozenset(
        {Can.PRIVACY_READ, Can.BREACH_READ, Can.RECORDS_READ, Can.AUDIT_TRANSFERS, Can.AUDIT_ONLY}
    ),
    Role.AGENCY_OFFICER: frozenset({Can.AGENCY_INBOX}),
}


def roles_with(capability: Can) -> frozenset[str]:
    """The roles holding a capability (for queries such as 'who may be assigned a case')."""
    return frozenset(role for role, caps in CAPABILITIES.items() if capability in caps)


def actor_role(actor: Any) -> str | None:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not getattr(actor, "is_active", True)
    ):
        return None
    return getattr(actor, "role", None) or None


def actor_can(actor: Any, capability: Can) -> bool:
    role = actor_role(actor)
    return role is not None and capability in CAPABILITIES.get(role, frozenset())


def require(actor: Any, capability: Can) -> None:
    """An action without an object: refused as 'not found', like an unknown address."""
    if not actor_can(actor, capability):
        raise Http404


def is_staff_member(actor: Any) -> bool:
    """Any account with a role (centre staff or agency officer): may use an authenticated page."""
    return actor_role(actor) is not None


def agency_id_of(actor: Any) -> int | None:
    """The agency an agency officer acts for, or None for everyone else."""
    if actor_can(actor, Can.AGENCY_INBOX):
        return getattr(actor, "agency_id", None)
    return None


# --- cases --------------------------------------------------------------------------------------


def complaints_reachable(actor: Any, *, need: Can = Can.CASE_READ) -> QuerySet[Complaint]:
    """Every complaint the actor may reach for ``need``: centre staff holding it, all of them;
    anyone else (agency officers included: they go through their referrals), none."""
    if actor_can(actor, need):
        return Complaint.objects.all()
    return Complaint.objects.none()


def access_complaint(
    actor: Any,
    reference: str,
    *,
    need: Can = Can.CASE_READ,
    queryset: QuerySet[Complaint] | None = None,
) -> Complaint:
    """The complaint with this reference if the actor may reach it for ``need``; else Http404."""
    if not actor_can(actor, need):
        raise Http404
    qs = queryset if queryset is not None else Complaint.objects.all()
    try:
        return qs.get(reference=(reference or "").strip().upper())
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


def access_complaint_id(actor: Any, complaint_id: int, *, need: Can = Can.CASE_READ) -> Complaint:
    if not actor_can(actor, need):
        raise Http404
    try:
        return Complaint.objects.get(pk=complaint_id)
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


def access_attachment(actor: Any, pk: int, *, need: Can = Can.CASE_READ) -> Attachment:
    """An evidence file of a case the actor reaches. Agencies receive evidence only inside a
    referral whose release the gate allowed, never through this."""
    if not actor_can(actor, need):
        raise Http404
    try:
        return Attachment.objects.select_related("complaint").get(pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
