"""Reach of referrals, applied from the one access layer (complaints.access): its capability map
decides who may handle referrals; this module only turns that answer into the referrals an actor
reaches. Every refusal is ``Http404``, as everywhere."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from complaints.access import Can, actor_can

from .models import Referral


def access_referral(actor: Any, pk: int, *, need: Can = Can.REFERRAL_QUEUE) -> Referral:
    """A referral as centre staff handle it (queue, resend)."""
    if not actor_can(actor, need):
        raise Http404
    try:
        return Referral.objects.select_related("complaint", "agency").get(pk=pk)
    except Referral.DoesNotExist as exc:
        raise Http404 from exc


def referrals_reachable(actor: Any, *, need: Can = Can.REFERRAL_QUEUE) -> QuerySet[Referral]:
    if actor_can(actor, need):
        return Referral.objects.all()
    return Referral.objects.none()


def agency_referrals(*, agency_id: int | None) -> QuerySet[Referral]:
    """The referrals of one agency (an officer's or an agency system's); nobody else's."""
    if not agency_id:
        return Referral.objects.none()
    return Referral.objects.filter(agency_id=agency_id)


def access_agency_referral(*, agency_id: int | None, delivery_id: Any) -> Referral:
    """A referral as its agency sees it; another agency's is 404 (no existence oracle)."""
    ref = (
        agency_referrals(agency_id=agency_id)
        .filter(delivery_id=delivery_id)
        .select_related("complaint", "agency")
        .first()
    )
    if ref is None:
        raise Http404
    return ref
