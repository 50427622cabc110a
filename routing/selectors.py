"""Reads of referrals, scoped through the access layer (routing.access, complaints.access)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Count, QuerySet

from complaints.access import Can, require
from complaints.models import Agency

from . import access
from .models import Referral


def referral_for_agency(*, agency_id: int, delivery_id) -> Referral:
    """A referral as its agency sees it; another agency's is 404 (no existence oracle)."""
    return access.access_agency_referral(agency_id=agency_id, delivery_id=delivery_id)


def referrals_for_agency(*, agency_id: int, state: str | None = None) -> QuerySet[Referral]:
    qs = access.agency_referrals(agency_id=agency_id).select_related("complaint", "complaint__category")
    return qs.filter(state=state) if state else qs


def referrals_for_supervision(*, actor, state: str | None = None) -> QuerySet[Referral]:
    require(actor, Can.REFERRAL_QUEUE)
    qs = access.referrals_reachable(actor).select_related("complaint", "agency")
    return qs.filter(state=state) if state else qs


# --- what complaints asks of routing (registered in RoutingConfig.ready through complaints.hooks) ---


def tracking_destinations_sql(vendor: str) -> str:
    """The agencies a case went to, for the one tracking statement: an SQL subquery correlated on
    the outer complaint row ``c``, a JSON array of ``[name_th, name_en]`` oldest first."""
    q = connection.ops.quote_name
    r, a = q(Referral._meta.db_table), q(Agency._meta.db_table)
    if vendor == "postgresql":
        return (
            "SELECT json_agg(json_build_array(a.name_th, a.name_en) ORDER BY r.created_at, r.id) "  # noqa: S608 - table names from _meta; values are parameters
            f"FROM {r} r JOIN {a} a ON a.id = r.agency_id WHERE r.complaint_id = c.id"
        )
    return (  # SQLite (the embedded default): aggregate an ordered subquery
        "SELECT json_group_array(json_array(x.name_th, x.name_en)) FROM "  # noqa: S608 - table names from _meta; values are parameters
        f"(SELECT a.name_th, a.name_en FROM {r} r JOIN {a} a ON a.id = r.agency_id "  # noqa: S608 - table names from _meta; values are parameters
        "WHERE r.complaint_id = c.id ORDER BY r.created_at, r.id) x"
    )


def referrals_by_agency(start: datetime, end: datetime) -> list[tuple[str, str, str, int]]:
    """Referrals made in [start, end) per agency, for the public statistics."""
    rows = (
        Referral.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("agency__code", "agency__name_th", "agency__name_en")
        .annotate(n=Count("id"))
        .order_by("agency__code")
    )
    return [(r["agency__code"], r["agency__name_th"], r["agency__name_en"], r["n"]) for r in rows]
