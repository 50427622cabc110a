"""Clusters (campaigns): complaints joined by the indicators they share, measured and ordered for
supervisors. Reads only, through the same scope as the other indicator selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from complaints.models import Complaint, Status

from . import access
from .models import Indicator, IndicatorSighting
from .selectors import LINKING, Linked, _fill


@dataclass
class Cluster:
    id: int  # the smallest shared indicator id in it: stable while the cluster keeps it
    complaint_ids: set[int]
    indicator_ids: set[int]
    victims: int = 0
    total_lost: Decimal = Decimal("0")
    latest: datetime | None = None
    first: datetime | None = None


def _shared_pairs(since: datetime | None):
    shared = (
        IndicatorSighting.objects.filter(indicator__state__in=LINKING)
        .order_by()
        .values("indicator_id")
        .annotate(n=Count("complaint_id"))
        .filter(n__gte=2)
        .values("indicator_id")
    )
    qs = IndicatorSighting.objects.filter(indicator_id__in=shared)
    if since:
        qs = qs.filter(seen_at__gte=since)
    return qs.values_list("indicator_id", "complaint_id")


def _components(pairs) -> list[Cluster]:
    parent: dict[Any, Any] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ind, comp in pairs:
        a, b = find(("i", ind)), find(("c", comp))
        if a != b:
            parent[a] = b
    groups: dict[Any, Cluster] = {}
    for node in list(parent):
        root = find(node)
        cluster = groups.setdefault(root, Cluster(id=0, complaint_ids=set(), indicator_ids=set()))
        (cluster.indicator_ids if node[0] == "i" else cluster.complaint_ids).add(node[1])
    out = [c for c in groups.values() if len(c.complaint_ids) >= 2]
    for c in out:
        c.id = min(c.indicator_ids)
    return out


def _measure(clusters: list[Cluster]) -> None:
    ids = set().union(*(c.complaint_ids for c in clusters)) if clusters else set()
    facts = {
        pk: (status, amount, received)
        for pk, status, amount, received in Complaint.objects.filter(pk__in=ids).values_list(
            "id", "status", "amount_lost", "received_at"
        )
    }
    for c in clusters:
        for pk in c.complaint_ids:
            status, amount, received = facts[pk]
            if status != Status.DUPLICATE:
                c.victims += 1
                c.total_lost += amount or Decimal("0")
            c.latest = max(filter(None, (c.latest, received)), default=None)
            c.first = min(filter(None, (c.first, received)), default=None)


ORDERINGS = {
    "victims": lambda c: (c.victims, c.total_lost),
    "loss": lambda c: (c.total_lost, c.victims),
    "latest": lambda c: (c.latest or datetime.min.replace(tzinfo=timezone.get_current_timezone()),),
}


def cluster_list(*, actor, order: str = "victims", since: date | None = None) -> list[Cluster]:
    """Complaints connected through shared (not cleared) indicators, computed on demand."""
    access.require(actor, access.Need.SUPERVISE)
    start = timezone.make_aware(datetime.combine(since, datetime.min.time())) if since else None
    clusters = _components(_shared_pairs(start))
    _measure(clusters)
    clusters.sort(key=ORDERINGS.get(order, ORDERINGS["victims"]), reverse=True)
    return clusters


def cluster_get(*, actor, pk: int) -> tuple[Cluster, list[Linked], list[dict[str, Any]]]:
    """One cluster by its id (any of its shared indicators' ids finds it): its indicators with
    their counts and its complaints."""
    access.require(actor, access.Need.SUPERVISE)
    if not Indicator.objects.filter(pk=pk, state__in=LINKING).exists():
        raise Http404
    indicators, complaints = {pk}, set()
    frontier = {pk}
    while frontier:  # breadth-first through shared indicators
        new_c = (
            set(
                IndicatorSighting.objects.filter(indicator_id__in=frontier).values_list(
                    "complaint_id", flat=True
                )
            )
            - complaints
        )
        complaints |= new_c
        if not new_c:
            break
        new_i = (
            set(
                IndicatorSighting.objects.filter(
                    complaint_id__in=new_c, indicator__state__in=LINKING
                ).values_list("indicator_id", flat=True)
            )
            - indicators
        )
        indicators |= new_i
        frontier = new_i
    if len(complaints) < 2:
        raise Http404
    shared = set(
        IndicatorSighting.objects.filter(indicator_id__in=indicators)
        .order_by()
        .values("indicator_id")
        .annotate(n=Count("complaint_id"))
        .filter(n__gte=2)
        .values_list("indicator_id", flat=True)
    )
    cluster = Cluster(id=min(shared), complaint_ids=complaints, indicator_ids=shared)
    _measure([cluster])
    items = [
        Linked(indicator_id=i.pk, kind=i.kind, value=i.value, bank=i.bank, state=i.state)
        for i in Indicator.objects.filter(pk__in=shared).order_by("id")
    ]
    for item in _fill(actor, items, exclude_complaint_id=None):
        item.complaints = []  # the cluster lists its complaints once, below
    rows = [
        {
            "reference": r["reference"],
            "category": r["category__code"],
            "channel": r["channel"],
            "received_at": r["received_at"],
            "status": r["status"],
            "amount_lost": r["amount_lost"],
        }
        for r in Complaint.objects.filter(pk__in=complaints)
        .order_by("-received_at")
        .values("reference", "category__code", "channel", "received_at", "status", "amount_lost")
    ]
    return cluster, items, rows


# --- what agencies may receive ------------------------------------------------------------------
