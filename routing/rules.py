"""Routing proposals: which agencies a case should go to, by the rules. The agent confirms.

A proposal's reason is not stored anywhere: it is put into words, in the reader's language, each
time it is shown (the category by its localised name)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext

from complaints.models import Category, Complaint

from .models import RoutingRule


@dataclass(frozen=True)
class Proposal:
    rule: RoutingRule
    category: Category
    keywords: tuple[str, ...] = ()  # the rule's keywords that matched the case

    @property
    def reason(self) -> str:
        name = self.category.name_en if translation.get_language() == "en" else self.category.name_th
        name = name or self.category.name_th or self.category.name_en
        if self.keywords:
            return gettext("category %(category)s, keyword match (%(keywords)s)") % {
                "category": name,
                "keywords": ", ".join(self.keywords),
            }
        return gettext("category %(category)s") % {"category": name}


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
        matched = tuple(k for k in keywords if k in text)
        proposals.append(Proposal(rule=rule, category=complaint.category, keywords=matched))
    return proposals
