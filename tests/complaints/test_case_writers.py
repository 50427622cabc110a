"""The one writer of timeline entries (complaints.services.events) and of status (lifecycle.status_set).

No seed clause covers the shape of the code; issue 13 asks for one owner per change to a case.
"""

import pytest

from complaints.models import Complaint, Status, TimelineEvent
from complaints.services import intake, lifecycle
from complaints.services.events import timeline_add, timeline_add_many
from tests.conftest import make_user


def _complaint(category) -> Complaint:
    return intake.complaint_register(
        channel="web", category=category, description="d", identity={"email": "a@example.com"}
    ).complaint


@pytest.mark.django_db
def test_status_set_saves_the_status_and_writes_its_public_entry_together(category):
    complaint = _complaint(category)
    agent = make_user("agent")
    complaint.priority = "high"
    event = lifecycle.status_set(
        complaint=complaint, to_status=Status.TRIAGED, actor=agent, text="seen", also_saved=("priority",)
    )
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.status, stored.priority) == (Status.TRIAGED, "high")
    assert (event.kind, event.is_public, event.from_status, event.to_status, event.text, event.actor) == (
        TimelineEvent.Kind.STATUS,
        True,
        Status.RECEIVED,
        Status.TRIAGED,
        "seen",
        agent,
    )
    assert list(stored.events.filter(is_public=True).values_list("to_status", flat=True)) == [
        Status.RECEIVED,
        Status.TRIAGED,
    ]


@pytest.mark.django_db
def test_timeline_writers_take_a_case_by_object_or_id_and_refuse_anything_else(category):
    complaint = _complaint(category)
    note = timeline_add(complaint_id=complaint.pk, kind=TimelineEvent.Kind.INTERNAL_NOTE, text="n")
    assert (note.complaint_id, note.is_public) == (complaint.pk, False)
    rows = timeline_add_many(
        [
            {"complaint": complaint, "kind": TimelineEvent.Kind.INTERNAL_NOTE, "text": "a"},
            {"complaint_id": complaint.pk, "kind": TimelineEvent.Kind.PUBLIC_UPDATE, "is_public": True},
        ]
    )
    assert len(rows) == 2
    assert complaint.events.count() == 4  # intake, the note and the two
    with pytest.raises(TypeError):
        timeline_add(kind=TimelineEvent.Kind.INTERNAL_NOTE)
    with pytest.raises(TypeError):
        timeline_add(complaint=complaint, complaint_id=complaint.pk, kind=TimelineEvent.Kind.INTERNAL_NOTE)
    with pytest.raises(TypeError):
        timeline_add_many([{"complaint": complaint, "kind": "x", "payload": "no such field"}])
    assert complaint.events.count() == 4
