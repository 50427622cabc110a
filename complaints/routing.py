"""Routing proposals: which agencies a case should go to, by the rules. The agent confirms."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Complaint, RoutingRule


@dataclass(frozen=True)
class Proposal:
    rule: RoutingRule
    reason: str


def routing_propose(complaint: Complaint) -> list[Proposal]:
    if complaint.category_id is None:
        return []
    text = f"{complaint.description} {complaint.incident_url}".lower()
    proposals: list[Proposal] = []
    seen: set[int] = set()
    rules = (
        RoutingRule.objects.filter(category_id=complaint.category_id, is_active=True, agency__is_active=True)
        .select_related("agency")
        .order_by("priority", "id")
    )
    for rule in rules:
        if rule.agency_id in seen:
            continue
        keywords = [k.strip().lower() for k in rule.keywords.split(",") if k.strip()]
        if keywords and not any(k in text for k in keywords):
            continue
        if rule.province and rule.province.lower() not in text:
            continue
        seen.add(rule.agency_id)
        why = f"category {complaint.category.code}"
        if keywords:
            why += f", keyword match ({', '.join(k for k in keywords if k in text)})"
        proposals.append(Proposal(rule=rule, reason=why))
    return proposals
