"""attachment_add, the one creator of Attachment rows, writes the row Attachment.objects.create
wrote; inside the intake's rows_together block it is part of the intake's one statement (issue 14).

clause: OCC-8 (the evidence's record: name, hash, size, type kept as stored)"""

import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.models import Attachment
from complaints.services.evidence import attachment_add, evidence_check
from complaints.services.intake import complaint_register
from occ.rows import rows_together
from tests.conftest import png_bytes

pytestmark = pytest.mark.django_db


def _row(attachment: Attachment) -> dict:
    row = dict(Attachment.objects.filter(pk=attachment.pk).values().get())
    row.pop("id")
    return row


def _inserts(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if Attachment._meta.db_table in q["sql"]]


@pytest.mark.parametrize("together", [False, True])
def test_attachment_add_stores_the_row_create_stores(demo, together):
    """clause: OCC-8"""
    case = complaint_register(channel="web", category=None, description="d", identity={}, anonymous=True)
    checked = evidence_check(io.BytesIO(png_bytes()), name="slip.png")
    with transaction.atomic():
        if together:
            with CaptureQueriesContext(connection) as ctx, rows_together():
                added = attachment_add(complaint_id=case.complaint.pk, checked=checked)
                assert added.attachment.pk is None and _inserts(ctx) == []  # written at the block's end
            assert len(_inserts(ctx)) == 1
        else:
            added = attachment_add(complaint_id=case.complaint.pk, checked=checked)
    got = added.attachment
    assert got.pk is not None and not got._state.adding
    reference = Attachment.objects.create(
        complaint_id=case.complaint.pk,
        file=got.file.name,
        original_name="slip.png",
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    mine, theirs = _row(got), _row(reference)
    assert abs(mine.pop("uploaded_at") - theirs.pop("uploaded_at")) < timedelta(seconds=30)
    assert mine == theirs and mine["file"] == f"evidence/{checked.sha256[:2]}/{checked.sha256}"


def test_an_intake_with_files_writes_them_in_its_one_statement(demo):
    if connection.vendor != "postgresql":
        pytest.skip("the intake's rows are one statement on PostgreSQL")
    files = [evidence_check(io.BytesIO(png_bytes(color=(n, 1, 2))), name=f"f{n}.png") for n in range(2)]
    with CaptureQueriesContext(connection) as ctx:
        registered = complaint_register(
            channel="web", category=None, description="d", identity={}, anonymous=True, files=files
        )
    assert Attachment.objects.filter(complaint=registered.complaint).count() == 2
    statements = _inserts(ctx)
    assert len(statements) == 1 and statements[0].startswith("WITH "), statements
