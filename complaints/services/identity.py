"""The one rule for changing or anonymising a complainant's identity (OCC-1, OCC-3, PDPA s.33, s.36).

Called by fax transcription (the contact details written on the paper), data-subject rectification
and addition (``privacy.ops``) and erasure (``privacy.ops``); nothing else writes a complainant's
identity fields after intake (``tests/test_layers.py`` holds it).

The rule: a change names only the fields that may change after intake (``EDITABLE``: name, phone,
e-mail, address; the national ID is taken at intake only); a blank value changes nothing (removing
data is erasure, not a change). The identity as it will stand (what is held, overlaid with the
change) must pass the category's minimum-data policy (``privacy.minimum_data.identity_check``),
which also normalises it (E.164 phone, lower-case e-mail domain). An anonymous complainant who
gives a contact is anonymous no more. Only the fields whose value differs are written (so
django-auditlog records exactly those, masked); the case's timeline gets one private entry naming
the fields, never their values. An anonymised complainant is never changed again."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.minimum_data import IDENTITY_FIELDS, identity_check

from ..models import Category, Complainant, Complaint, TimelineEvent, User
from .events import timeline_add

EDITABLE = ("name", "phone", "email", "address")


@dataclass(frozen=True)
class IdentityChanged:
    fields: tuple[str, ...]  # the identity fields whose value changed (is_anonymous aside)
    before: dict[str, str]  # every editable field's value before the change
    anonymity_changed: bool

    def __bool__(self) -> bool:
        return bool(self.fields) or self.anonymity_changed


def complainant_identity_change(
    *,
    complaint: Complaint,
    changes: dict[str, str],
    reason: str,
    actor: User | None = None,
    category: Category | None = None,
) -> IdentityChanged:
    """Change the complainant's identity by ``changes`` under ``category``'s policy (default: the
    complaint's). Raises ValidationError (per field) and writes nothing when the result would break
    the policy. ``reason`` says why, in the timeline entry (no personal values)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValueError(f"not an identity field that may change: {', '.join(unknown)}")
    person: Complainant = complaint.complainant
    given = {f: v.strip() for f, v in changes.items() if v and v.strip()}
    before = {f: getattr(person, f) for f in EDITABLE}
    if person.anonymised_at is not None and given:
        raise ValidationError({"identity": [_("This complainant's data was anonymised; it cannot change.")]})
    merged = {f: v for f, v in (before | given).items() if v}
    anonymous = person.is_anonymous and not merged
    # the policy judges the whole identity as it will stand, the national ID taken at intake with
    # it (it never changes here, but a category that requires one must see it)
    held = {f: getattr(person, f) for f in IDENTITY_FIELDS if f not in EDITABLE and getattr(person, f)}
    checked = identity_check(
        category=category if category is not None else complaint.category,
        anonymous=anonymous,
        given={} if anonymous else merged | held,
    )
    fields = tuple(f for f in EDITABLE if getattr(checked, f) != before[f])
    anonymity_changed = person.is_anonymous != checked.is_anonymous
    if not fields and not anonymity_changed:
        return IdentityChanged((), before, False)
    for field in fields:
        setattr(person, field, getattr(checked, field))
    person.is_anonymous = checked.is_anonymous
    person.save(update_fields=[*fields, *(["is_anonymous"] if anonymity_changed else [])])
    named = ", ".join(sorted(fields)) or "none"
    timeline_add(
        complaint=complaint,
        kind=TimelineEvent.Kind.IDENTITY,
        is_public=False,
        text=f"complainant's identity changed ({reason}): {named}"
        + ("; no longer anonymous" if anonymity_changed else ""),
        actor=actor,
    )
    return IdentityChanged(fields, before, anonymity_changed)


def complainant_anonymise(*, complaint: Complaint, reason: str, actor: User | None = None) -> None:
    """Erase every identity field of the complainant and mark them anonymised (PDPA s.33). What
    else carries the person's values (texts, files, copies) is erasure's (``privacy.ops``)."""
    person: Complainant = complaint.complainant
    for field in IDENTITY_FIELDS:
        setattr(person, field, "")
    person.anonymised_at = timezone.now()
    person.save(update_fields=[*IDENTITY_FIELDS, "anonymised_at"])
    timeline_add(
        complaint=complaint,
        kind=TimelineEvent.Kind.IDENTITY,
        is_public=False,
        text=f"personal data anonymised: {reason}",
        actor=actor,
    )
