"""The minimum-data policy (OCC-1, OCC-3, PDPA s.22): what intake may collect for a category.

A category's identity policy says, per identity field, required / optional / not collected.
Intake asks this module to check the identity it was given; it never stores a field the policy
does not collect, and it asks for a contact unless the person stays anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from occ.phones import thai_e164


class FieldPolicy(models.TextChoices):
    REQUIRED = "required", gettext_lazy("required")
    OPTIONAL = "optional", gettext_lazy("optional")
    NOT_COLLECTED = "not_collected", gettext_lazy("not collected")


# The identity fields a complainant record can hold at all (OCC-3). There is deliberately no
# field for sensitive data (PDPA s.26: religion, health, criminal record, ...).
IDENTITY_FIELDS = ("name", "phone", "email", "address", "national_id")


class PolicySource(Protocol):
    """What the check needs of a category (complaints.models.Category): its identity policy, whether
    it accepts anonymous complaints, and its names for the message."""

    code: str
    name_th: str
    name_en: str
    allow_anonymous: bool

    def identity_policy(self) -> dict[str, str]: ...


CONTACT_FIELDS = ("phone", "email")


@dataclass(frozen=True)
class Identity:
    is_anonymous: bool
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    national_id: str = ""


def normalise_phone(raw: str) -> str:
    """Validate a phone number and return it in E.164. Thai numbers may omit the country code."""
    if settings.OCC["DEFAULT_PHONE_REGION"] == "TH" and (fast := thai_e164(raw)):
        return fast  # a plain Thai mobile or fixed-line number: no full parse (occ.phones)
    try:
        number = phonenumbers.parse(raw, settings.OCC["DEFAULT_PHONE_REGION"])
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Not a phone number."), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Not a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def thai_national_id_is_valid(digits: str) -> bool:
    """13 digits whose last is the mod-11 check digit of the first 12."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


# Used when a channel cannot know the category yet (e-mail, fax): agents triage it later.
UNTRIAGED_POLICY = dict.fromkeys(IDENTITY_FIELDS, FieldPolicy.OPTIONAL) | {
    "national_id": FieldPolicy.NOT_COLLECTED
}


def identity_check(*, category: PolicySource | None, anonymous: bool, given: dict[str, str]) -> Identity:
    """Return the identity intake may store, or raise ValidationError with per-field messages."""
    policy = category.identity_policy() if category else UNTRIAGED_POLICY
    if category is None:
        label = _("not yet triaged")
    else:  # the category as the reader knows it, in their language
        label = (
            category.name_en if translation.get_language() == "en" else category.name_th
        ) or category.code
    allow_anonymous = category.allow_anonymous if category else True
    errors: dict[str, list[str]] = {}
    values = {f: (given.get(f) or "").strip() for f in IDENTITY_FIELDS}

    for field in IDENTITY_FIELDS:
        if values[field] and policy[field] == FieldPolicy.NOT_COLLECTED:
            errors.setdefault(field, []).append(
                _("The category '%(category)s' does not collect this field (minimum data).")
                % {"category": label}
            )

    if anonymous:
        if not allow_anonymous:
            errors.setdefault("anonymous", []).append(
                _("The category '%(category)s' does not accept anonymous complaints.") % {"category": label}
            )
        for field in IDENTITY_FIELDS:
            if values[field] and field not in errors:
                errors.setdefault(field, []).append(_("An anonymous complaint carries no identity data."))
    else:
        for field in IDENTITY_FIELDS:
            if policy[field] == FieldPolicy.REQUIRED and not values[field]:
                errors.setdefault(field, []).append(_("This field is required for this category."))
        collectable_contacts = [f for f in CONTACT_FIELDS if policy[f] != FieldPolicy.NOT_COLLECTED]
        if collectable_contacts and not any(values[f] for f in collectable_contacts):
            errors.setdefault("contact", []).append(
                _(
                    "Give a phone number or an e-mail address so the centre can contact you, or file anonymously."
                )
            )

    if values["phone"] and "phone" not in errors:
        try:
            values["phone"] = normalise_phone(values["phone"])
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
            local, _at, domain = values["email"].rpartition("@")
            values["email"] = f"{local}@{domain.lower()}"
        except ValidationError:
            errors.setdefault("email", []).append(_("Not a valid e-mail address."))
    if values["national_id"] and "national_id" not in errors:
        digits = "".join(ch for ch in values["national_id"] if ch.isdigit())
        if not thai_national_id_is_valid(digits):
            errors.setdefault("national_id", []).append(_("Not a valid Thai national ID number."))
        values["national_id"] = digits

    if errors:
        raise ValidationError(dict(errors.items()))
    if anonymous:
        return Identity(is_anonymous=True)
    return Identity(is_anonymous=False, **values)
