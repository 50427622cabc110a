"""What the people's interfaces share: role groups, translated labels for codes that other apps
keep untranslated, the category-driven identity fields, and form-error helpers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.models import IDENTITY_FIELDS, Category, FieldPolicy
from occ.api.errors import flatten
from occ.api.throttling import ScopedRateThrottle

# privacy.models.Basis / Purpose carry English labels only; the desk shows the glossary's Thai.
BASIS_LABELS = {
    "consent": _("consent of the data owner"),
    "related_agency": _("operation between related agencies"),
    "legal_order": _("compliance with law or the order of a competent official"),
}
PURPOSE_LABELS = {
    "investigation": _("investigation of the complaint"),
    "consumer_protection": _("consumer-protection action"),
    "regulatory": _("regulatory action"),
    "data_protection": _("personal-data protection enforcement"),
    "local_service": _("local public service"),
    "statistics": _("statistics"),
}
FIELD_LABELS = {
    "complainant.name": _("Name and surname"),
    "complainant.phone": _("Phone number"),
    "complainant.email": _("E-mail address"),
    "complainant.address": _("Address"),
    "complaint.description": _("Description"),
    "complaint.incident": _("Incident details"),
    "complaint.attachments": _("Evidence files"),
}
INCIDENT_LABELS = {
    "website_url": _("Website"),
    "occurred_at": _("When it happened"),
    "amount_lost": _("Amount lost"),
    "other_party_account": _("The other party's bank account"),
    "other_party_phone": _("The other party's phone number"),
}
# privacy.redaction's kinds, as the preview names what it took out of free text
REDACTION_LABELS = {
    "phone": _("phone numbers"),
    "email": _("e-mail addresses"),
    "national_id": _("national ID numbers"),
    "bank_account": _("bank account numbers"),
}
IDENTITY_META = {
    "name": (_("Name and surname"), "text", "name"),
    "phone": (_("Phone number"), "tel", "tel"),
    "email": (_("E-mail address"), "email", "email"),
    "address": (_("Address"), "text", "street-address"),
    "national_id": (_("National ID number"), "text", "off"),
}


def identity_fields(category: Category | None, values: dict) -> list[dict]:
    """Only the identity fields the category's policy collects (OCC-3): a field it does not collect
    is not even shown."""
    if category is None:
        return []
    policy = category.identity_policy()
    rows = []
    for name in IDENTITY_FIELDS:
        if policy[name] == FieldPolicy.NOT_COLLECTED:
            continue
        label, kind, autocomplete = IDENTITY_META[name]
        rows.append(
            {
                "name": name,
                "label": label,
                "type": kind,
                "autocomplete": autocomplete,
                "required": policy[name] == FieldPolicy.REQUIRED,
                "value": values.get(name, ""),
                "error_key": f"complainant.{name}",
            }
        )
    return rows


def validation_errors(exc: ValidationError, default_key: str = "non_field_errors") -> dict[str, list[str]]:
    """A Django ValidationError as {field: [messages]} (the API's flattened keys)."""
    if hasattr(exc, "error_dict"):
        return flatten(exc.message_dict)
    return {default_key: list(exc.messages)}


def form_input(serializer_class, data: dict) -> dict:
    """A desk form's values through the serializer the API uses for the same action: one validation
    per action. Raises DRF's ValidationError (shown by ``interfaces.errors``)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class _Scope:
    """What DRF's ScopedRateThrottle reads from a view."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def throttled(request, scope: str) -> bool:
    """The public API's own per-IP limit for this scope (same throttle class, same cache keys), so a
    page is no way around the API's limit (e.g. guessing tracking codes through /track/)."""
    return not ScopedRateThrottle().allow_request(request, _Scope(scope))
