"""The transfer log: append-only, hash-chained, verified record by record, sealed (OCC-8)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from complaints.models import Role
from privacy import transfer_log
from privacy.models import TransferRecord

pytestmark = pytest.mark.django_db


def _append(n=1, **kw):
    recs = []
    for i in range(n):
        values = {
            "kind": "disclosure",
            "recipient": "ccib",
            "complaint_reference": f"OCC-2026-{i:06d}",
            "basis": "related_agency",
            "basis_reference": "agreement #1",
            "purpose": "investigation",
            "data_categories": ["identity"],
            "fields": ["complainant.name"],
            "payload_sha256": "ab" * 32,
            "actor": "agent",
            "delivery_id": f"d-{i}-{kw.get('tag', '')}",
        }
        values.update({k: v for k, v in kw.items() if k != "tag"})
        recs.append(transfer_log.transfer_append(**values))
    return recs


def _raw(sql, params=()):
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # a superuser bypassing the trigger
        cur.execute(sql, params)


def test_records_link_into_a_chain_and_verify():
    recs = _append(5)
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev_hash == "0" * 64 and all(
        b.prev_hash == a.hash for a, b in zip(recs, recs[1:], strict=False)
    )
    assert transfer_log.verify().ok


def test_one_disclosure_record_per_delivery_id():
    a = _append(1, tag="x")[0]
    b = _append(1, tag="x")[0]
    assert a.pk == b.pk and TransferRecord.objects.count() == 1


def test_update_and_delete_are_refused_by_the_model_and_the_queryset():
    rec = _append(1)[0]
    rec.actor = "someone else"
    with pytest.raises(PermissionError):
        rec.save()
    with pytest.raises(PermissionError):
        rec.delete()
    with pytest.raises(PermissionError):
        TransferRecord.objects.filter(pk=rec.pk).update(actor="x")
    with pytest.raises(PermissionError):
        TransferRecord.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL")
def test_postgresql_trigger_refuses_raw_update():
    from django.db import DatabaseError, transaction

    rec = _append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE privacy_transferrecord SET actor = 'x' WHERE id = %s", [rec.pk])


def test_tampering_with_one_record_is_detected_and_named():
    recs = _append(4)
    _raw("UPDATE privacy_transferrecord SET recipient = 'someone' WHERE seq = 3")
    result = transfer_log.verify()
    assert not result.ok and result.first_bad_seq == 3 and "altered" in result.problem
    with pytest.raises(CommandError, match="record 3"):
        call_command("verify_transfer_log", stdout=io.StringIO())
    assert recs


def test_a_missing_record_is_named():
    _append(4)
    _raw("DELETE FROM privacy_transferrecord WHERE seq = 2")
    result = transfer_log.verify()
    assert not result.ok and result.first_bad_seq == 2 and "missing" in result.problem


def test_rewriting_a_record_and_its_hash_breaks_the_next_link():
    recs = _append(3)
    values = {f: getattr(recs[1], f) for f in transfer_log.HASHED_FIELDS}
    values["recipient"] = "forged"
    forged = transfer_log.record_hash(values)
    _raw("UPDATE privacy_transferrecord SET recipient = 'forged', hash = %s WHERE seq = 2", [forged])
    result = transfer_log.verify()
    assert not result.ok and result.first_bad_seq == 3


def test_seal_signs_the_head_and_detects_a_rewritten_chain(settings, tmp_path):
    settings.OCC_SEAL_KEY_PATH = str(tmp_path / "seal.pem")
    _append(3)
    seal = transfer_log.seal()
    assert seal.head_seq == 3 and transfer_log.seal_check(seal) == ""
    out = io.StringIO()
    call_command("verify_transfer_log", stdout=out)
    assert "3 records, 1 seals verified" in out.getvalue()
    # someone rewrites the whole chain consistently: the chain verifies, the seal does not
    _raw("DELETE FROM privacy_transferrecord")
    _raw("UPDATE privacy_transferchainhead SET seq = 0, hash = %s", ["0" * 64])
    _append(3, tag="rewritten")
    assert transfer_log.verify().ok
    assert "no longer matches" in transfer_log.seal_check(seal)
    seal.signature = seal.signature[:-4] + "AAA="
    assert "invalid signature" in transfer_log.seal_check(seal)


def test_seal_key_is_not_created_in_production(settings, tmp_path):
    settings.OCC_SEAL_KEY_PATH = str(tmp_path / "absent.pem")
    settings.OCC_SEAL_KEY_AUTOCREATE = False
    with pytest.raises(RuntimeError, match="does not exist"):
        transfer_log.seal()


def test_auditors_filter_and_export_json_and_csv(staff_api):
    _append(2, tag="a")
    _append(1, recipient="ocpb", basis="consent", tag="b")
    auditor = staff_api(Role.AUDITOR, "aud")
    rows = auditor.get("/api/v1/audit/transfers/?agency=ccib").json()
    assert [r["recipient"] for r in rows] == ["ccib", "ccib"]
    assert len(auditor.get("/api/v1/audit/transfers/?basis=consent").json()) == 1
    csv = auditor.get("/api/v1/audit/transfers/?as=csv")
    assert csv["Content-Type"].startswith("text/csv") and csv.content.count(b"\n") == 4
    assert auditor.get("/api/v1/audit/transfers/verify/").json()["ok"] is True
    assert staff_api(Role.AGENT).get("/api/v1/audit/transfers/").status_code == 404


@pytest.mark.parametrize(
    "at",
    [
        "2026-12-01T20:05:10+00:00",  # no microseconds: isoformat() writes none
        "2026-12-01T20:05:10.100000+00:00",  # trailing zeros: isoformat() keeps all six digits
        "2026-12-01T20:05:10.000001+00:00",
    ],
)
def test_verify_hashes_each_record_as_record_hash_does(monkeypatch, at):
    """clause: OCC-8 (the verifier's fast path reads the time and the JSON lists as text on
    PostgreSQL: it must hash exactly what record_hash hashed when the record was appended)"""
    from datetime import datetime, timedelta

    stamp = datetime.fromisoformat(at)
    monkeypatch.setattr(transfer_log.timezone, "now", lambda: stamp)
    odd = 'ศูนย์ "1212"\\ line\nbreak\u2028tab\t'
    recs = _append(2, basis_reference=odd, fields=["complainant.name", odd], data_categories=[odd])
    recs += _append(1, tag="plain")
    assert TransferRecord.objects.get(seq=1).hash == transfer_log.record_hash(
        {f: getattr(TransferRecord.objects.get(seq=1), f) for f in transfer_log.HASHED_FIELDS}
    )
    result = transfer_log.verify(batch=2)  # several batches
    assert result.ok and result.checked == 3
    # one microsecond later is another record
    later = stamp + timedelta(microseconds=1)
    if connection.vendor != "postgresql":  # SQLite keeps the time as Django writes it
        later = later.replace(tzinfo=None).isoformat(" ")
    _raw("UPDATE privacy_transferrecord SET at = %s WHERE seq = 2", [later])
    result = transfer_log.verify()
    assert not result.ok and result.first_bad_seq == 2 and "altered" in result.problem


def test_verify_detects_a_changed_field_list():
    """clause: OCC-8"""
    _append(3)
    _raw(
        """UPDATE privacy_transferrecord SET fields = '["complainant.name", "complainant.phone"]' WHERE seq = 2"""
    )
    result = transfer_log.verify()
    assert not result.ok and result.first_bad_seq == 2 and "altered" in result.problem
