"""occ.rows.row_update is ``save(update_fields=...)``: the same row, the same signals, the same error."""

import pytest
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save, pre_save

from complaints.models import Complaint
from occ.rows import row_update

pytestmark = pytest.mark.django_db


def _signals(run):
    sent = []

    def pre(sender, **kw):
        sent.append(("pre", sender, kw["update_fields"], kw["raw"], kw["using"]))

    def post(sender, **kw):
        sent.append(("post", sender, kw["update_fields"], kw["created"], kw["using"]))

    pre_save.connect(pre, sender=Complaint, weak=False)
    post_save.connect(post, sender=Complaint, weak=False)
    try:
        run()
    finally:
        pre_save.disconnect(pre, sender=Complaint)
        post_save.disconnect(post, sender=Complaint)
    return sent


def test_row_update_writes_and_signals_as_save_does(file_complaint):
    ref = file_complaint()["reference"]
    a = Complaint.objects.get(reference=ref)
    b = Complaint.objects.get(reference=ref)
    a.status, b.status = "triaged", "triaged"
    by_save = _signals(lambda: a.save(update_fields=["status", "updated_at"]))
    stamp = a.updated_at
    by_row = _signals(lambda: row_update(b, ["status", "updated_at"]))
    assert by_save == by_row and len(by_row) == 2
    stored = Complaint.objects.get(reference=ref)
    assert stored.status == "triaged" and stored.updated_at == b.updated_at and b.updated_at > stamp
    assert stored.description == a.description  # only the named fields were written


def test_row_update_of_a_missing_row_fails_as_save_does(file_complaint):
    gone = Complaint.objects.get(reference=file_complaint()["reference"])
    gone.pk = gone.pk + 10_000
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        gone.save(update_fields=["status"])
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        row_update(gone, ["status"])


def test_a_statement_handed_over_is_run_at_the_blocks_end_only_inside_a_transaction(file_complaint):
    from django.db import connection

    from occ.rows import rows_deferred, rows_together, statement_later

    case = Complaint.objects.get(reference=file_complaint()["reference"])
    sql = f'UPDATE {connection.ops.quote_name(Complaint._meta.db_table)} SET "status" = %s WHERE "id" = %s'

    def status() -> str:
        return Complaint.objects.values_list("status", flat=True).get(pk=case.pk)

    with transaction.atomic(), rows_together():
        assert rows_deferred()
        statement_later(sql, ["triaged", case.pk])
        assert status() == "received"  # not yet
    assert status() == "triaged"
    with rows_together():  # inside the test's transaction: deferred as well
        statement_later(sql, ["in_progress", case.pk])
        assert status() == "triaged"
    assert status() == "in_progress"
    statement_later(sql, ["resolved", case.pk])  # no block: now
    assert status() == "resolved"
    with pytest.raises(RuntimeError), transaction.atomic(), rows_together():
        statement_later(sql, ["closed", case.pk])
        raise RuntimeError("the block failed")
    assert status() == "resolved"  # nothing was run
