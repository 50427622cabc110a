"""Reads of the fraud-intelligence app, always scoped to the actor (``access``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints.models import Category, Complaint, Status

from . import access
from .extract import extract, normalise_query, own_values
from .models import ComplaintLink, Indicator, IndicatorSighting

LINKING = (Indicator.State.ACTIVE, Indicator.State.DISPUTED)  # a cleared indicator links nothing
LINKED_LIMIT = 100  # linked complaints listed per indicator (the counts cover all of them)
DUPLICATE_WINDOW = timedelta(days=30)
_ROW_FIELDS = (
    "complaint_id",
    "complaint__reference",
    "complaint__category__code",
    "complaint__channel",
    "complaint__received_at",
    "complaint__status",
)


@dataclass
class Linked:
    """One indicator of a complaint and the other complaints that share it."""

    indicator_id: int
    kind: str
    value: str
    bank: str
    state: str
    source: str = ""
    others: int = 0  # other complaints sharing it (duplicates not counted: one victim, one count)
    total_lost: Decimal = Decimal("0")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    complaints: list[dict[str, Any]] = field(default_factory=list)


def _scoped(qs, actor):
    reachable = access.reachable_complaints(actor)
    return qs if reachable is None else qs.filter(complaint__in=reachable)


def _when(value):
    """A datetime read with plain SQL: aware, whatever the database returns (SQLite gives text)."""
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = parse_datetime(str(value))
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _fill(actor, items: list[Linked], exclude_complaint_id: int | None) -> list[Linked]:
    """Counts, losses, first/last seen (one grouped query) and the latest complaints (one query per
    indicator, by the (indicator, -seen_at) index). Plain SQL, the same on PostgreSQL and SQLite:
    this answer is read while an agent works, and the ORM's own cost was most of its time."""
    linking = [i for i in items if i.state in LINKING]
    if not linking:
        return items
    s_table = IndicatorSighting._meta.db_table
    c_table = Complaint._meta.db_table
    cat_table = Category._meta.db_table
    ids = [i.indicator_id for i in linking]
    marks = ", ".join(["%s"] * len(ids))
    exclude = -1 if exclude_complaint_id is None else exclude_complaint_id
    scope, scope_params = "", []
    reachable = access.reachable_complaints(actor)
    if reachable is not None:  # an actor who reaches only some complaints (none today): only those
        sub, scope_params = reachable.values("id").query.sql_with_params()
        scope, scope_params = f" AND s.complaint_id IN ({sub})", list(scope_params)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.indicator_id, "  # noqa: S608 - table names from the models, values as parameters
            "SUM(CASE WHEN c.status <> %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN c.status <> %s THEN c.amount_lost END), MIN(s.seen_at), MAX(s.seen_at) "
            f"FROM {s_table} s JOIN {c_table} c ON c.id = s.complaint_id "
            f"WHERE s.indicator_id IN ({marks}) AND s.complaint_id <> %s{scope} GROUP BY s.indicator_id",
            [Status.DUPLICATE, Status.DUPLICATE, *ids, exclude, *scope_params],
        )
        stats = {row[0]: row[1:] for row in cursor.fetchall()}
        for item in linking:
            row = stats.get(item.indicator_id)
            if not row:
                continue
            n, lost, first, last = row
            item.others = int(n or 0)
            item.total_lost = (
                Decimal(str(lost)).quantize(Decimal("0.01")) if lost is not None else Decimal("0")
            )
            item.first_seen, item.last_seen = _when(first), _when(last)
            cursor.execute(
                "SELECT c.reference, cat.code, c.channel, c.received_at, c.status "  # noqa: S608
                f"FROM {s_table} s JOIN {c_table} c ON c.id = s.complaint_id "
                f"LEFT JOIN {cat_table} cat ON cat.id = c.category_id "
                f"WHERE s.indicator_id = %s AND s.complaint_id <> %s{scope} "
                "ORDER BY s.seen_at DESC, s.complaint_id DESC LIMIT %s",
                [item.indicator_id, exclude, *scope_params, LINKED_LIMIT],
            )
            item.complaints = [
                {
                    "reference": r[0],
                    "category": r[1],
                    "channel": r[2],
                    "received_at": _when(r[3]),
                    "status": r[4],
                }
                for r in cursor.fetchall()
            ]
    return items


def complaint_linked(*, actor, complaint: Complaint) -> list[Linked]:
    """For each indicator of the complaint: who else shares it, how much they lost, since when."""
    access.require(actor, access.Need.READ)
    items = [
        Linked(
            indicator_id=s["indicator_id"],
            kind=s["indicator__kind"],
            value=s["indicator__value"],
            bank=s["indicator__bank"] or s["bank"],
            state=s["indicator__state"],
            source=s["source"],
        )
        for s in IndicatorSighting.objects.filter(complaint_id=complaint.pk)
        .order_by("indicator_id")
        .values(
            "indicator_id",
            "indicator__kind",
            "indicator__value",
            "indicator__bank",
            "indicator__state",
            "bank",
            "source",
        )
    ]
    return _fill(actor, items, exclude_complaint_id=complaint.pk)


def indicator_search(*, actor, value: str) -> list[Linked]:
    """The complaints of an indicator typed in any format (``123-4-56789-0``, ``1234567890``,
    ``https://WWW.Shop.example/p?utm_source=x``)."""
    access.require(actor, access.Need.READ)
    wanted = normalise_query(value)
    if not wanted:
        return []
    q = Q()
    for kind, normal in wanted:
        q |= Q(kind=kind, value=normal)
    items = [
        Linked(indicator_id=i.pk, kind=i.kind, value=i.value, bank=i.bank, state=i.state)
        for i in Indicator.objects.filter(q).order_by("id")
    ]
    return _fill(actor, items, exclude_complaint_id=None)


def indicator_get(*, actor, pk: int) -> Indicator:
    access.require(actor, access.Need.SUPERVISE)
    try:
        return Indicator.objects.get(pk=pk)
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc


def links_of(*, actor, complaint: Complaint) -> list[ComplaintLink]:
    """Links and duplicates an agent made, either side, live or undone (the record stays)."""
    access.require(actor, access.Need.READ)
    return list(
        ComplaintLink.objects.filter(Q(complaint=complaint) | Q(other=complaint)).select_related(
            "complaint", "other", "created_by", "undone_by"
        )
    )


def link_get(*, actor, pk: int) -> ComplaintLink:
    access.require(actor, access.Need.WORK)
    try:
        return ComplaintLink.objects.select_related("complaint", "other").get(pk=pk)
    except ComplaintLink.DoesNotExist as exc:
        raise Http404 from exc


# --- possible duplicates at intake ---------------------------------------------------------------


def possible_duplicates(
    *,
    actor,
    phone: str = "",
    email: str = "",
    description: str = "",
    account: str = "",
    other_phone: str = "",
    url: str = "",
    exclude_complaint_id: int | None = None,
    around: datetime | None = None,
) -> list[dict[str, Any]]:
    """Complaints from the same verified contact (the caller's number, the sender's address) that
    reported one of the same indicators within 30 days of ``around`` (now, at intake)."""
    access.require(actor, access.Need.READ)
    own = own_values(phone=phone, email=email)
    if not own:
        return []
    found = extract(description=description, account=account, phone=other_phone, url=url, own=own)
    if not found:
        return []
    q = Q()
    for f in found:
        q |= Q(indicator__kind=f.kind, indicator__value=f.value)
    contact = Q()
    normal_phone = next((v for v in own if v.startswith("+")), "")
    if normal_phone:
        contact |= Q(complaint__complainant__phone=normal_phone)
    if email:
        contact |= Q(complaint__complainant__email__iexact=email.strip())
    around = around or timezone.now()
    qs = _scoped(
        IndicatorSighting.objects.filter(
            q,
            contact,
            indicator__state__in=LINKING,
            seen_at__gte=around - DUPLICATE_WINDOW,
            seen_at__lte=around + DUPLICATE_WINDOW,
        ),
        actor,
    )
    if exclude_complaint_id:
        qs = qs.exclude(complaint_id=exclude_complaint_id)
    return _duplicate_rows(qs)


def complaint_possible_duplicates(
    *, actor, complaint: Complaint, items: list[Linked] | None = None
) -> list[dict[str, Any]]:
    """Possible duplicates of a filed case: the same contact reporting one of its (not cleared)
    indicators within 30 days of it. ``items`` (its linked answer) saves reading its indicators again."""
    access.require(actor, access.Need.READ)
    person = complaint.complainant
    if person.is_anonymous or not (person.phone or person.email):
        return []
    if items is None:
        items = complaint_linked(actor=actor, complaint=complaint)
    ids = [i.indicator_id for i in items if i.state in LINKING and i.others]
    if not ids:
        return []
    contact = Q()
    if person.phone:
        contact |= Q(complaint__complainant__phone=person.phone)
    if person.email:
        contact |= Q(complaint__complainant__email__iexact=person.email)
    qs = _scoped(
        IndicatorSighting.objects.filter(
            contact,
            indicator_id__in=ids,
            seen_at__gte=complaint.received_at - DUPLICATE_WINDOW,
            seen_at__lte=complaint.received_at + DUPLICATE_WINDOW,
        ).exclude(complaint_id=complaint.pk),
        actor,
    )
    return _duplicate_rows(qs)


def _duplicate_rows(qs) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in qs.order_by("-seen_at").values(*_ROW_FIELDS, "indicator__kind", "indicator__value")[:50]:
        row = rows.setdefault(
            r["complaint__reference"],
            {
                "reference": r["complaint__reference"],
                "category": r["complaint__category__code"],
                "channel": r["complaint__channel"],
                "received_at": r["complaint__received_at"],
                "status": r["complaint__status"],
                "indicators": [],
            },
        )
        row["indicators"].append({"kind": r["indicator__kind"], "value": r["indicator__value"]})
    return list(rows.values())


def indicators_for_sharing(
    *,
    category_ids: frozenset[int],
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, Any]]:
    """Active indicators (never disputed or cleared) with their counts, total loss and first/last
    seen, over complaints of the agreement's categories, in the date range. Nothing about any
    complainant and no free text: kind, value, bank and the aggregates only."""
    if not category_ids:
        return []
    qs = IndicatorSighting.objects.filter(
        indicator__state=Indicator.State.ACTIVE, complaint__category_id__in=category_ids
    ).exclude(complaint__status=Status.DUPLICATE)
    if kind:
        qs = qs.filter(indicator__kind=kind)
    if since:
        qs = qs.filter(seen_at__gte=timezone.make_aware(datetime.combine(since, datetime.min.time())))
    if until:
        qs = qs.filter(
            seen_at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), datetime.min.time()))
        )
    return list(
        qs.order_by()
        .values("indicator__kind", "indicator__value", "indicator__bank")
        .annotate(
            complaints=Count("complaint_id"),
            total_loss=Sum("complaint__amount_lost"),
            first_seen=Min("seen_at"),
            last_seen=Max("seen_at"),
        )
        .order_by("-complaints", "indicator__kind", "indicator__value")
    )
