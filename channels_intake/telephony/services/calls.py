"""Calls: CTI events from the PBX, phone complaints filed by agents, calls linked to cases.

OCC-2 (telephone channel) and OCC-5 (the phone number and the recording of the conversation)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from channels_intake.models import InboundItem
from channels_intake.services import Quarantine
from complaints.models import Category, Channel, Complaint, TimelineEvent
from complaints.services.events import timeline_add
from complaints.services.intake import Incident, Registered, complaint_register
from occ.api.errors import flatten
from occ.api.parsers import json_limits_check
from occ.api.strict import StrictSerializer
from occ.errors import DomainError
from occ.text import safe_json
from privacy.minimum_data import normalise_phone

from ..models import AgentExtension, Call, CallEvent
from .common import WITHHELD, require_agent

MAX_EVENT_BYTES = 16 * 1024


class CallAlreadyLinked(DomainError, ValidationError):  # type: ignore[misc]  # both define params
    """A call already on another case (409 ``call_already_linked``, about ``field`` of the request).
    A ValidationError too, so form views that show validation messages show this one too."""

    code = "call_already_linked"
    status_code = 409
    field = "call_id"
    message = gettext_lazy("Call %(call_id)s is already linked to complaint %(reference)s.")

    def __init__(self, call: Call, *, field: str | None = None):
        self.call = call
        DomainError.__init__(self, field=field, call_id=call.call_id, reference=call.complaint.reference)
        ValidationError.__init__(self, self.message, code=self.code, params=self.params)


class CtiEventIn(StrictSerializer):
    """One call event as the PBX sends it."""

    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=CallEvent.Type.choices)
    occurred_at = serializers.DateTimeField()
    caller_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="E.164 or national; 'anonymous' when withheld",
    )
    called_line = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    agent_extension = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    end_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="ended: completed, abandoned, no_answer, busy, failed, ...",
    )


@dataclass(frozen=True)
class CtiEvent:
    call_id: str
    event: str
    occurred_at: datetime
    caller_number: str
    caller_withheld: bool
    called_line: str
    agent_extension: str
    end_reason: str


def cti_event_parse(raw: bytes) -> CtiEvent:
    """Parse and validate one CTI event; a bad one raises Quarantine naming the fields."""
    if len(raw) > MAX_EVENT_BYTES:
        raise Quarantine(f"the event is {len(raw)} bytes; a call event is at most {MAX_EVENT_BYTES}")
    too_complex = json_limits_check(raw)
    if too_complex:
        raise Quarantine(f"the event is refused: {too_complex}")
    try:
        body = safe_json(json.loads(raw.decode("utf-8")), max_string=2000)  # occ.text: clean, not refuse
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Quarantine(f"the event is not JSON in UTF-8 ({type(exc).__name__})") from exc
    if not isinstance(body, dict):
        raise Quarantine("the event must be a JSON object")
    data = CtiEventIn(data=body)
    if not data.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in flatten(data.errors).items())
        raise Quarantine(f"the event is invalid: {problems}")
    v = data.validated_data
    raw_number = v["caller_number"].strip()
    withheld = raw_number.lower() in WITHHELD
    number = ""
    if not withheld:
        try:
            number = normalise_phone(raw_number)
        except ValidationError as exc:
            # The number itself is personal data: the reason names the field, not the value.
            raise Quarantine(
                "the event is invalid: caller_number: not a valid phone number (send E.164, a Thai "
                "national number, or 'anonymous' when the caller withheld it)"
            ) from exc
    return CtiEvent(
        call_id=v["call_id"].strip(),
        event=v["event"],
        occurred_at=v["occurred_at"],
        caller_number=number,
        caller_withheld=withheld and v["event"] == CallEvent.Type.STARTED,
        called_line=v["called_line"].strip(),
        agent_extension=v["agent_extension"].strip(),
        end_reason=v["end_reason"].strip(),
    )


def cti_event_apply(*, event: CtiEvent, inbound_item: InboundItem | None = None) -> tuple[Call, bool]:
    """Apply one event to the call's record. The same (call id, event type) twice changes nothing;
    events may arrive in any order. Returns (call, applied)."""
    if not event.call_id:
        raise Quarantine("the event is invalid: call_id: may not be blank")
    with transaction.atomic():
        call, _ = Call.objects.select_for_update().get_or_create(call_id=event.call_id)
        if CallEvent.objects.filter(call=call, type=event.event).exists():
            return call, False
        CallEvent.objects.create(
            call=call, type=event.event, occurred_at=event.occurred_at, inbound_item=inbound_item
        )
        changed = {"started": "started_at", "answered": "answered_at", "ended": "ended_at"}[event.event]
        setattr(call, changed, event.occurred_at)
        fields = [changed]
        if event.caller_number and not call.caller_number:
            call.caller_number, call.caller_withheld = event.caller_number, False
            fields += ["caller_number", "caller_withheld"]
        elif event.caller_withheld and not call.caller_number and not call.caller_withheld:
            call.caller_withheld = True
            fields.append("caller_withheld")
        for name in ("called_line", "agent_extension", "end_reason"):
            value = getattr(event, name)
            if value and not getattr(call, name):
                setattr(call, name, value)
                fields.append(name)
        if "agent_extension" in fields and call.agent_id is None:
            mapping = AgentExtension.objects.filter(extension=call.agent_extension).first()
            if mapping is not None:
                call.agent_id = mapping.user_id
                fields.append("agent")
        call.save(update_fields=fields)
    return call, True


def call_link(*, actor, call: Call, complaint: Complaint, field: str = "call_id") -> Call:
    """Link a call (and so its recordings) to a case. Linking again to the same case changes
    nothing; a call already on another case raises CallAlreadyLinked (about ``field`` of the
    request that named the call or the case)."""
    require_agent(actor)
    with transaction.atomic():
        locked = Call.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=call.pk)
        if locked.complaint_id == complaint.pk:
            return locked
        if locked.complaint_id is not None:
            raise CallAlreadyLinked(locked, field=field)
        locked.complaint = complaint
        locked.linked_by = actor
        locked.linked_at = timezone.now()
        locked.save(update_fields=["complaint", "linked_by", "linked_at"])
        recordings = locked.recordings.count()
        duration = locked.duration_seconds
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.CALL,
            is_public=False,
            actor=actor,
            text=(
                f"telephone call {locked.call_id} linked"
                + (f", {duration:.0f} s" if duration is not None else "")
                + (f", {recordings} recording(s)" if recordings else "")
            ),
        )
    return locked


def phone_complaint_register(
    *,
    actor,
    category: Category | None,
    description: str,
    caller_number: str = "",
    name: str = "",
    email: str = "",
    address: str = "",
    call: Call | None = None,
    incident: Incident | None = None,
) -> Registered:
    """An agent files what the caller says. The caller's number is the contact (OCC-5): the one
    given, else the number the PBX reported for the call. With a call, the call is linked to the
    new case in the same transaction (a call already on a case refuses, and nothing is filed)."""
    require_agent(actor)
    number = caller_number.strip() or (call.caller_number if call is not None else "")
    if not number:
        why = (
            "the caller withheld the number: ask for a contact number"
            if call is not None and call.caller_withheld
            else "the caller's number is the contact of a phone complaint"
        )
        raise ValidationError({"caller_number": [why[0].upper() + why[1:] + "."]})
    identity = {"phone": number}
    for key, value in (("name", name), ("email", email), ("address", address)):
        if value.strip():
            identity[key] = value
    with transaction.atomic():
        try:
            registered = complaint_register(
                channel=Channel.PHONE,
                category=category,
                description=description,
                identity=identity,
                actor=actor,
                incident=incident,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            raise ValidationError(
                {("caller_number" if k == "phone" else k): v for k, v in exc.message_dict.items()}
            ) from exc
        if call is not None:
            call_link(actor=actor, call=call, complaint=registered.complaint)
    return registered
