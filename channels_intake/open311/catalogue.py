"""Services and their attributes: the categories, and the incident facts every category takes."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Category


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: object  # lazy translation
    datatype_description: object


# The incident facts of complaints.services.intake.Incident, as Open311 attributes (all optional).
INCIDENT_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "website_url",
        "string",
        gettext_lazy("The website address (URL) where it happened"),
        gettext_lazy("A full address starting with http:// or https://"),
    ),
    Attribute(
        "occurred_at",
        "datetime",
        gettext_lazy("When it happened"),
        gettext_lazy("W3C date and time, e.g. 2026-12-01T09:30:00+07:00"),
    ),
    Attribute(
        "amount_lost",
        "number",
        gettext_lazy("Amount lost, in baht"),
        gettext_lazy("A number, at most two decimals"),
    ),
    Attribute(
        "other_party_account",
        "string",
        gettext_lazy("The other party's bank account or wallet number"),
        gettext_lazy("As given by the other party"),
    ),
    Attribute(
        "other_party_phone",
        "string",
        gettext_lazy("The other party's phone number"),
        gettext_lazy("Digits, with or without the country code"),
    ),
)
ATTRIBUTE_CODES = frozenset(a.code for a in INCIDENT_ATTRIBUTES)


def category_attributes(category: Category) -> tuple[Attribute, ...]:
    """The attributes a category takes: every category takes the incident facts."""
    return INCIDENT_ATTRIBUTES


def _name(category: Category) -> str:
    if translation.get_language() == "en":
        return category.name_en or category.name_th
    return category.name_th or category.name_en


def _description(category: Category) -> str:
    if translation.get_language() == "en":
        return category.description_en or category.description_th
    return category.description_th or category.description_en


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": _name(category),
        "description": _description(category),
        "metadata": bool(category_attributes(category)),
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([category.code.replace("_", " "), category.name_en.lower()])),
        "group": _("Online complaints"),
    }


def definition_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": False,
                "datatype_description": str(a.datatype_description),
                "order": i,
                "description": str(a.description),
            }
            for i, a in enumerate(category_attributes(category), start=1)
        ],
    }


def service_name(category: Category | None) -> str:
    return _name(category) if category else ""
