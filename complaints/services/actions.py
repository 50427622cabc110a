"""What staff do to a case after intake: status changes with their notes, duplicates and links, the
incident facts, notes and assignment. Status goes through ``lifecycle.status_set``, timeline entries
through ``events.timeline_add``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from occ.errors import DomainError

from .. import hooks
from ..access import Can, actor_can, require
from ..models import (
    Complaint,
    Status,
    TimelineEvent,
    User,
)
from . import lifecycle
from .events import timeline_add, timeline_add_many
from .intake import Incident


class TransitionRefused(DomainError):
    """The case's status cannot move to the one asked for (409 ``transition_not_allowed``)."""

    code = "transition_not_allowed"
    status_code = 409
    field = "status"
    message = gettext_lazy(
        "A complaint in status '%(current)s' cannot move to '%(requested)s'. Allowed next: %(allowed)s."
    )

    def __init__(self, current: str, requested: str):
        self.current = current
        self.requested = requested
        allowed = ", ".join(lifecycle.allowed_next(current)) or gettext_lazy("none")
        super().__init__(current=current, requested=requested, allowed=allowed)


class NotADuplicate(TransitionRefused):
    """Undoing a duplicate mark on a case that is not a duplicate."""

    message = gettext_lazy("This case is not a duplicate.")

    def __init__(self, current: str):
        super().__init__(current, "undo duplicate")


def _require_centre_staff(actor: User) -> None:
    require(actor, Can.CASE_WORK)


def complaint_status_change(
    *, complaint: Complaint, actor: User, to_status: str, note: str = "", note_public: bool = False
) -> Complaint:
    """The status change is public (the citizen tracks it); its note is public only when the agent
    says so (`note_public`), otherwise it is an internal note beside the change."""
    _require_centre_staff(actor)
    if to_status in lifecycle.NEEDS_TARGET:
        raise ValidationError(
            {"status": [_("Mark a duplicate with the case it duplicates (the surviving case).")]}
        )
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not lifecycle.can_transition(locked.status, to_status):
            raise TransitionRefused(locked.status, to_status)
        lifecycle.status_set(
            complaint=locked, to_status=to_status, actor=actor, text=note.strip() if note_public else ""
        )
        if note.strip() and not note_public:
            timeline_add(
                complaint=locked,
                kind=TimelineEvent.Kind.INTERNAL_NOTE,
                is_public=False,
                text=note.strip(),
                actor=actor,
            )
    return locked


def complaint_survivor(complaint: Complaint) -> Complaint:
    """The case a duplicate was joined to, following a chain of duplicates to its end."""
    seen = {complaint.pk}
    current = complaint
    while (
        current.status == Status.DUPLICATE and current.duplicate_of_id and current.duplicate_of_id not in seen
    ):
        seen.add(current.duplicate_of_id)
        current = Complaint.objects.get(pk=current.duplicate_of_id)
    return current


def complaint_duplicate_mark(
    *, complaint: Complaint, survivor: Complaint, actor: User, reason: str = ""
) -> Complaint:
    """Status DUPLICATE pointing to the surviving case (the end of its chain, if it is itself a
    duplicate), with an entry in both timelines. The citizen sees the status change only."""
    _require_centre_staff(actor)
    if complaint.pk == survivor.pk:
        raise ValidationError({"of": [_("A case cannot be a duplicate of itself.")]})
    with transaction.atomic():
        first, second = sorted([complaint.pk, survivor.pk])  # one lock order: no deadlock
        rows = {c.pk: c for c in Complaint.objects.select_for_update().filter(pk__in=[first, second])}
        locked = rows[complaint.pk]
        target = complaint_survivor(rows[survivor.pk])
        if target.pk == locked.pk:
            raise ValidationError({"of": [_("That case is already joined to this one.")]})
        if not lifecycle.can_transition(locked.status, Status.DUPLICATE):
            raise TransitionRefused(locked.status, Status.DUPLICATE)
        locked.duplicate_of = target
        lifecycle.status_set(
            complaint=locked, to_status=Status.DUPLICATE, actor=actor, also_saved=("duplicate_of",)
        )
        timeline_add_many(
            [
                {
                    "complaint": locked,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"joined to {target.reference}: {reason}".strip(": "),
                    "actor": actor,
                },
                {
                    "complaint": target,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"{locked.reference} joined to this case: {reason}".strip(": "),
                    "actor": actor,
                },
            ]
        )
    return locked


def complaint_duplicate_undo(*, complaint: Complaint, actor: User, reason: str = "") -> Complaint:
    """Undo a duplicate mark: the case gets back the status it had (received or under review;
    otherwise reopened), points to nothing, and both timelines say so."""
    _require_centre_staff(actor)
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status != Status.DUPLICATE:
            raise NotADuplicate(locked.status)
        marked = (
            TimelineEvent.objects.filter(
                complaint=locked, kind=TimelineEvent.Kind.STATUS, to_status=Status.DUPLICATE
            )
            .order_by("-created_at", "-id")
            .first()
        )
        back_to = marked.from_status if marked else ""
        if not lifecycle.can_undo(Status.DUPLICATE, back_to):
            back_to = Status.REOPENED
        survivor_id = locked.duplicate_of_id
        survivor_ref = (
            Complaint.objects.filter(pk=survivor_id).values_list("reference", flat=True).first() or ""
        )
        locked.duplicate_of = None
        lifecycle.status_set(complaint=locked, to_status=back_to, actor=actor, also_saved=("duplicate_of",))
        events = [
            {
                "complaint": locked,
                "kind": TimelineEvent.Kind.JOINED,
                "text": f"no longer joined to {survivor_ref}: {reason}".strip(": "),
                "actor": actor,
            },
        ]
        if survivor_id:
            events.append(
                {
                    "complaint_id": survivor_id,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"{locked.reference} no longer joined to this case: {reason}".strip(": "),
                    "actor": actor,
                }
            )
        timeline_add_many(events)
    return locked


def complaint_link_record(*, complaint: Complaint, other: Complaint, actor: User, text: str) -> None:
    """A link between two cases (or its undoing), in both timelines (internal entries)."""
    _require_centre_staff(actor)
    timeline_add_many(
        [
            {
                "complaint": complaint,
                "kind": TimelineEvent.Kind.LINKED,
                "text": f"{text} {other.reference}".strip(),
                "actor": actor,
            },
            {
                "complaint": other,
                "kind": TimelineEvent.Kind.LINKED,
                "text": f"{text} {complaint.reference}".strip(),
                "actor": actor,
            },
        ]
    )


def complaint_incident_update(
    *, complaint: Complaint, actor: User, incident: Incident, description: str | None = None
) -> Complaint:
    """An agent corrects the incident facts (and, optionally, the description) of a case. The
    apps above are told (the fraud indicators are read again) in the same transaction."""
    _require_centre_staff(actor)
    if description is not None and not description.strip():
        raise ValidationError({"description": [_("Describe the problem.")]})
    with transaction.atomic():
        locked = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("complainant")
            .get(pk=complaint.pk)
        )
        locked.incident_url = incident.url
        locked.incident_at = incident.occurred_at
        locked.amount_lost = incident.amount_lost
        locked.other_party_account = incident.other_party_account
        locked.other_party_phone = incident.other_party_phone
        changed = [
            "incident_url",
            "incident_at",
            "amount_lost",
            "other_party_account",
            "other_party_phone",
            "updated_at",
        ]
        if description is not None:
            locked.description = description.strip()
            changed.append("description")
        locked.save(update_fields=changed)
        timeline_add(
            complaint=locked,
            kind=TimelineEvent.Kind.INTERNAL_NOTE,
            text="incident facts edited" + (" (and the description)" if description is not None else ""),
            actor=actor,
        )
        hooks.incident_facts_changed(locked)
    return locked


def complaint_note_add(*, complaint: Complaint, actor: User, text: str, public: bool) -> TimelineEvent:
    _require_centre_staff(actor)
    if not text.strip():
        raise ValidationError({"text": ["A note cannot be empty."]})
    return timeline_add(
        complaint=complaint,
        kind=TimelineEvent.Kind.PUBLIC_UPDATE if public else TimelineEvent.Kind.INTERNAL_NOTE,
        is_public=public,
        text=text.strip(),
        actor=actor,
    )


def complaint_assign(*, complaint: Complaint, actor: User, assignee: User | None) -> Complaint:
    _require_centre_staff(actor)
    if assignee is not None and not actor_can(assignee, Can.CASE_ASSIGNABLE):
        raise ValidationError({"assignee": ["Cases are assigned to agents or supervisors."]})
    if assignee is not None and assignee.pk != actor.pk and not actor_can(actor, Can.CASE_ASSIGN_OTHERS):
        raise PermissionError("Agents may take a case themselves; supervisors assign to others.")
    with transaction.atomic():
        complaint.assigned_to = assignee
        complaint.save(update_fields=["assigned_to", "updated_at"])
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.ASSIGNED,
            is_public=False,
            text=assignee.get_username() if assignee else "",
            actor=actor,
        )
    return complaint
