"""Filing a service request: map the specification's form onto the one intake path.

The person fields map onto the category's minimum-data policy (privacy.minimum_data, called by
``complaint_register``): ``first_name`` + ``last_name`` are the name, ``email`` and ``phone`` the
contact. A field the category does not collect is refused, as is a field this centre never takes
from an app (``device_id``, ``account_id``, ``media_url``) and an unknown ``attribute[...]``."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from channels_intake.web import IncidentIn
from complaints.models import Category, Channel, FieldPolicy
from complaints.services.intake import Incident, complaint_register, incident_from

from .catalogue import ATTRIBUTE_CODES
from .models import Open311Request, PartnerAppKey

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
PERSON_FIELDS = ("first_name", "last_name", "email", "phone")
LOCATION_FIELDS = ("lat", "long", "address_string")
KNOWN = {"api_key", "jurisdiction_id", "service_code", "description", *PERSON_FIELDS, *LOCATION_FIELDS}
NOT_TAKEN = ("device_id", "account_id", "media_url", "address_id")


class Refused(Exception):  # noqa: N818 - the request is refused, with the specification's status
    def __init__(self, status: int, descriptions: list[str]):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


@dataclass(frozen=True)
class Filed:
    reference: str
    token: str
    tracking_code: str


def _bad(field: str, message: str) -> str:
    return f"{field}: {message}"


def _attributes(form) -> tuple[dict, list[str]]:
    values: dict[str, str] = {}
    problems: list[str] = []
    for key in form:
        match = _ATTRIBUTE.match(key)
        if not match:
            continue
        code, is_list = match.group(1), bool(match.group(2))
        if code not in ATTRIBUTE_CODES:
            problems.append(_bad(key, _("This service has no such attribute.")))
        elif is_list:
            problems.append(_bad(key, _("This attribute takes one value.")))
        else:
            values[code] = form.get(key)
    return values, problems


def _location(form) -> tuple[dict, list[str]]:
    problems: list[str] = []
    lat, lng = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    if bool(lat) != bool(lng):
        problems.append(_bad("lat/long", _("Give lat and long together.")))
    data = {"latitude": lat or None, "longitude": lng or None, "address": form.get("address_string") or ""}
    return data, problems


def open311_request_file(*, key: PartnerAppKey, category: Category, form) -> Filed:
    """File the request through ``complaint_register`` (channel ``app``) and keep which app filed
    it; raises Refused(400, [...]) naming each field that is wrong."""
    problems: list[str] = []
    for name in form:
        if _ATTRIBUTE.match(name):
            continue
        if name in NOT_TAKEN:
            problems.append(_bad(name, _("This centre does not take this field from an app.")))
        elif name not in KNOWN:
            problems.append(_bad(name, _("Unknown field.")))
    attributes, attr_problems = _attributes(form)
    location, loc_problems = _location(form)
    problems += attr_problems + loc_problems

    policy = category.identity_policy()
    given = {f: (form.get(f) or "").strip() for f in PERSON_FIELDS}
    if policy["name"] == FieldPolicy.NOT_COLLECTED:
        for f in ("first_name", "last_name"):
            if given[f]:
                problems.append(_bad(f, _("This category does not collect this field (minimum data).")))
    checked = IncidentIn(data={**attributes, **{k: v for k, v in location.items() if v not in (None, "")}})
    if not checked.is_valid():
        for field, messages in checked.errors.items():
            name = {"latitude": "lat", "longitude": "long", "address": "address_string"}.get(
                field, f"attribute[{field}]"
            )
            problems += [_bad(name, str(m)) for m in messages]
    if problems:
        raise Refused(400, problems)

    identity = {
        "name": " ".join(v for v in (given["first_name"], given["last_name"]) if v),
        "email": given["email"],
        "phone": given["phone"],
    }
    anonymous = not any(identity.values())
    incident: Incident = incident_from(dict(checked.validated_data))
    token = secrets.token_urlsafe(18)
    try:
        with transaction.atomic():
            registered = complaint_register(
                channel=Channel.APP,
                category=category,
                description=form.get("description") or "",
                identity=identity,
                anonymous=anonymous,
                incident=incident,
            )
            Open311Request.objects.create(complaint=registered.complaint, app=key.app, key=key, token=token)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        names = {"name": "first_name/last_name", "contact": "email/phone", "anonymous": "email/phone"}
        raise Refused(
            400, [_bad(names.get(k, k), m) if k else m for k, ms in errors.items() for m in ms]
        ) from exc
    return Filed(
        reference=registered.complaint.reference, token=token, tracking_code=registered.tracking_code
    )
