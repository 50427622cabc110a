"""Carrying out a granted data-subject request on every complaint it covers: access (a copy),
rectification and addition, erasure, restriction and its lifting, objection; and telling the
agencies that received the data (PDPA s.33-36)."""

from __future__ import annotations

from django.utils import timezone

from complaints.models import Complaint, FieldPolicy, TimelineEvent
from complaints.services.events import timeline_add
from complaints.services.identity import EDITABLE, complainant_identity_change
from privacy.fingerprints import fingerprint
from routing.notices import recipients_notify as notify  # recipients are told (PDPA s.33-36)

from ..models import DataSubjectRequest, RequestEvidence, RequestType
from . import erasure
from .export import person_export
from .request_coverage import covered_complaints
from .request_evidence import _evidence, _timeline

Evidence = RequestEvidence.Kind
# What rectification and addition may change: the identity fields that may change after intake.
CORRECTABLE = EDITABLE


def _recipients_notify(*, request: DataSubjectRequest, complaints: list[Complaint], change: str) -> None:
    """THE place where agencies that received this person's data are told of a rectification,
    erasure or restriction (issue 11, "recipients are told"): called once per executed request,
    inside the grant's transaction, with the complaints it changed and what changed
    (``rectified`` / ``erased`` / ``restricted`` / ``restriction_lifted``). The notices themselves
    (queued rows, delivery, transfer-log entries) belong to routing; this function only hands over."""
    if not complaints:
        return
    changed: list[str] = []
    if change == "rectified":
        changed = sorted(
            {f"complainant.{f}" for f in request.details.get("changes", {}) if f != "information"}
        )
    notify(
        complaint_ids=[c.pk for c in complaints],
        event=change,
        changed=changed,
        event_key=f"dsr:{request.public_id}",
    )


def _execute_access(request: DataSubjectRequest, actor) -> None:
    document = person_export(request=request)
    request.details = {**request.details, "export_sha256": document["sha256"]}
    _evidence(
        request,
        Evidence.EXPORTED,
        "copy of the data prepared",
        actor=actor,
        sha256=document["sha256"],
        complaints=[c["reference"] for c in document["data"]["complaints"]],
    )


def _collected(complaint: Complaint, field: str) -> bool:
    category = complaint.category
    return category is None or category.identity_policy()[field] != FieldPolicy.NOT_COLLECTED


def _execute_amend(request: DataSubjectRequest, actor) -> None:
    """Correct (or add) the identity fields on every covered complaint that collects them, and
    replace the old, inaccurate value where it stands in the case's own text (PDPA s.36)."""
    changes = dict(request.details.get("changes", {}))
    information = changes.pop("information", "")
    changed: list[Complaint] = []
    if changes:
        for complaint in covered_complaints(request):
            person = complaint.complainant
            if person.anonymised_at or (person.is_anonymous and complaint.pk != request.complaint_id):
                continue
            # The case the request was made on is validated in full (a field its category does not
            # collect is refused with the reason); other covered cases take what they collect.
            own = complaint.pk == request.complaint_id
            fields = [f for f in changes if own or _collected(complaint, f)]
            if not fields:
                continue
            result = complainant_identity_change(
                complaint=complaint,
                changes={f: changes[f] for f in fields},
                actor=actor,
                reason=f"{request.type} request",
            )
            old = {f: result.before[f] for f in fields}
            before = {f: fingerprint(old[f]) for f in fields}
            erasure.complaint_text_replace(
                complaint=complaint,
                replacements={f: (old[f], getattr(person, f)) for f in fields if old[f]},
            )
            changed.append(complaint)
            _evidence(
                request,
                Evidence.AMENDED,
                f"{request.type} on {complaint.reference}: {', '.join(sorted(fields))}",
                actor=actor,
                complaint=complaint.reference,
                fields=sorted(fields),
                before=before,
                after={f: fingerprint(getattr(person, f)) for f in fields},
                reason=str(request.details.get("reason", ""))[:500],
            )
    if information:
        timeline_add(
            complaint=request.complaint,
            kind=TimelineEvent.Kind.CITIZEN_MESSAGE,
            is_public=False,
            text=str(information)[:10000],
            actor=actor,
        )
        _evidence(
            request,
            Evidence.AMENDED,
            "information added to the case",
            actor=actor,
            complaint=request.complaint.reference,
            fields=["information"],
            after={"information": fingerprint(information)},
        )
    _timeline(request, f"data amended on request ({request.type})", actor)
    if changed:
        _recipients_notify(request=request, complaints=changed, change="rectified")


def _execute_erasure(request: DataSubjectRequest, actor) -> None:
    complaints = [c for c in covered_complaints(request) if not c.complainant.anonymised_at]
    counts = erasure.person_erase(request=request, complaints=complaints, actor=actor)
    _evidence(
        request,
        Evidence.ERASED,
        "personal data anonymised; statistics kept",
        actor=actor,
        complaints=[c.reference for c in complaints],
        **counts,
    )
    _recipients_notify(request=request, complaints=complaints, change="erased")


def _set_restriction(request: DataSubjectRequest, restricted: bool) -> list[Complaint]:
    complaints = [c for c in covered_complaints(request) if not c.complainant.anonymised_at]
    for complaint in complaints:
        person = complaint.complainant
        person.processing_restricted_at = timezone.now() if restricted else None
        person.save(update_fields=["processing_restricted_at"])
    return complaints


def _execute_restriction(request: DataSubjectRequest, actor) -> None:
    complaints = _set_restriction(request, True)
    _evidence(
        request,
        Evidence.RESTRICTED,
        "routing and disclosure of this person's data blocked",
        actor=actor,
        complaints=[c.reference for c in complaints],
    )
    _timeline(request, "processing restricted at the person's request (PDPA s.34)", actor)
    _recipients_notify(request=request, complaints=complaints, change="restricted")


def _execute_lift(request: DataSubjectRequest, actor) -> None:
    complaints = _set_restriction(request, False)
    _evidence(
        request,
        Evidence.UNRESTRICTED,
        "restriction lifted",
        actor=actor,
        complaints=[c.reference for c in complaints],
    )
    _recipients_notify(request=request, complaints=complaints, change="restriction_lifted")
    _timeline(request, "restriction lifted", actor)


def _execute_objection(request: DataSubjectRequest, actor) -> None:
    # An upheld objection stops further processing beyond keeping the case: it restricts.
    _evidence(
        request, Evidence.OBJECTION, str(request.details.get("reason", "objection upheld"))[:500], actor=actor
    )
    _execute_restriction(request, actor)


_EXECUTORS = {
    RequestType.ACCESS: _execute_access,
    RequestType.RECTIFICATION: _execute_amend,
    RequestType.ADDITION: _execute_amend,
    RequestType.ERASURE: _execute_erasure,
    RequestType.RESTRICTION: _execute_restriction,
    RequestType.LIFT_RESTRICTION: _execute_lift,
    RequestType.OBJECTION: _execute_objection,
}
