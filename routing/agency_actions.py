"""What an agency does with a referral routed to it: read the case (the gate asked again, one
transfer record per release), acknowledge it, send updates to the citizen's timeline and return data
(OCC-7, OCC-9). Officers (the agency inbox) and agency systems (the agency API) both act through
``AgencyActor``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Agency, Complaint, Status, TimelineEvent
from complaints.services import lifecycle
from complaints.services.events import timeline_add
from privacy.models import TransferRecord
from privacy.services import access_log_record

from .disclosure import DisclosureRefused
from .models import Referral, ReturnedData
from .referrals import (
    reason_code_of,
    referral_gate,
    referral_withdraw,
    transfer_record_of_release,
    withdrawal_view,
)

log = logging.getLogger(__name__)
State = Referral.State


@dataclass(frozen=True)
class AgencyActor:
    """Who acts for an agency: an officer (a User) or the agency's system (a credential)."""

    agency: Agency
    user: Any = None
    label: str = ""

    @property
    def name(self) -> str:
        return self.user.username if self.user is not None else self.label


@dataclass(frozen=True)
class AgencyRead:
    """What one agency read got: the case minimised now (and its exact bytes), or, for a
    withdrawn referral, no case data and the withdrawal (reason code, what to do)."""

    case: dict[str, Any] | None
    body: bytes | None = None
    sha256: str = ""
    withdrawal: dict[str, Any] | None = None


def referral_agency_read(*, referral: Referral, actor: AgencyActor) -> AgencyRead:
    """Each read asks the gate now. Released: the case as it is now, one transfer-log record (its
    fields and the SHA-256 of the canonical bytes returned) and, when an officer (not the agency's
    system) reads it, an entry in the staff access log. Refused or withdrawn: no data, no record."""
    if referral.state != State.WITHDRAWN:
        try:
            decision = referral_gate(referral)
        except DisclosureRefused as refused:
            referral_withdraw(referral=referral, reason_code=reason_code_of(referral, refused))
        else:
            with transaction.atomic():
                transfer_record_of_release(
                    referral,
                    decision,
                    kind=TransferRecord.Kind.AGENCY_READ,
                    recipient=actor.agency.code,
                    actor=actor.name,
                )
                Referral.objects.filter(pk=referral.pk).update(
                    fields=decision.fields,
                    payload_sha256=decision.sha256,
                    basis_reference=decision.basis_reference[:300],
                )
                if actor.user is not None:
                    access_log_record(
                        actor=actor.user,
                        action="view",
                        object_type="referral",
                        rows=[(referral.complaint.complainant_id, referral.complaint_id, referral.pk)],
                        fields=decision.fields,
                    )
            return AgencyRead(case=decision.payload, body=decision.body, sha256=decision.sha256)
    return AgencyRead(case=None, withdrawal=withdrawal_view(referral))


def referral_acknowledge(
    *, referral: Referral, actor: AgencyActor, agency_case_reference: str = ""
) -> Referral:
    with transaction.atomic():
        ref = Referral.objects.select_for_update().get(pk=referral.pk)
        if ref.acknowledged_at is None:
            ref.acknowledged_at = timezone.now()
            if ref.state != State.WITHDRAWN:  # a withdrawn referral stays withdrawn
                ref.state = State.ACKNOWLEDGED
            if agency_case_reference:
                ref.agency_case_reference = agency_case_reference[:100]
            ref.save(update_fields=["acknowledged_at", "state", "agency_case_reference"])
            timeline_add(
                complaint=ref.complaint,
                kind=TimelineEvent.Kind.AGENCY_UPDATE,
                is_public=True,
                text=f"{ref.agency.name_th} รับเรื่องแล้ว / {ref.agency.name_en} acknowledged the case",
                actor=actor.user,
            )
    return ref


def referral_agency_update(
    *, referral: Referral, actor: AgencyActor, text: str, public: bool, status: str | None = None
) -> TimelineEvent:
    """A status update or note from the agency joins the case timeline (public ones the citizen sees)."""
    from django.core.exceptions import ValidationError

    if not text.strip():
        raise ValidationError({"text": [_("An update needs text.")]})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=referral.complaint_id)
        if status:
            if status not in (Status.IN_PROGRESS, Status.RESOLVED):
                raise ValidationError(
                    {
                        "status": [
                            _("An agency may set the status to %(in_progress)s or %(resolved)s.")
                            % {"in_progress": Status.IN_PROGRESS.label, "resolved": Status.RESOLVED.label}
                        ]
                    }
                )
            if not lifecycle.can_transition(complaint.status, status) and complaint.status != status:
                raise ValidationError(
                    {
                        "status": [
                            _("The case is %(current)s; it cannot move to %(wanted)s.")
                            % {"current": Status(complaint.status).label, "wanted": Status(status).label}
                        ]
                    }
                )
            if complaint.status != status:
                lifecycle.status_set(
                    complaint=complaint,
                    to_status=status,
                    actor=actor.user,
                    text=f"{referral.agency.short_name or referral.agency.code}",
                )
        return timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.AGENCY_UPDATE if public else TimelineEvent.Kind.AGENCY_NOTE,
            is_public=public,
            text=text.strip(),
            actor=actor.user,
        )


def referral_return_data(
    *, referral: Referral, actor: AgencyActor, kind: str, value: str, note: str = "", legal_basis: str = ""
) -> ReturnedData:
    """Data the agency lawfully obtained joins the case with its provenance (OCC-9)."""
    from django.core.exceptions import ValidationError

    if not kind.strip() or not value.strip():
        raise ValidationError({"value": [_("Give the kind and the value of the data returned.")]})
    with transaction.atomic():
        row = ReturnedData.objects.create(
            referral=referral,
            kind=kind.strip()[:40],
            value=value.strip()[:500],
            note=note,
            legal_basis=legal_basis[:300],
            returned_by=actor.name,
        )
        timeline_add(
            complaint=referral.complaint,
            kind=TimelineEvent.Kind.AGENCY_DATA,
            is_public=False,
            # stored, so language-neutral: the event's kind ("data returned by agency") says the rest
            text=f"{referral.agency.code} · {row.kind}: {row.value}",
            actor=actor.user,
        )
    return row
