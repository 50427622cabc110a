"""Referrals to partner agencies. The referral is the outbox row and keeps no copy of the case
data: every release (each webhook or e-mail delivery attempt, retries and resends included; each
agency API fetch; each agency inbox page) asks the disclosure gate at that moment, about the same
basis, and sends the case minimised as it is then. A refused release sends nothing, writes no
transfer record and withdraws the referral with the gate's reason code. Each release that sends
bytes is one transfer record (field names and the SHA-256 of those bytes)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from complaints.access import Can, require
from complaints.models import Agency, Complaint, Status, TimelineEvent
from complaints.services import lifecycle
from complaints.services.events import timeline_add
from occ.compiled import Compiled
from occ.errors import DomainError
from occ.rows import rows_insert, rows_together, statement_later
from privacy import transfer_log
from privacy.models import Basis, Consent, TransferRecord

from . import delivery
from .delivery import (  # noqa: F401 - webhook_headers is part of this module's public face
    PermanentDeliveryError,
    TransientDeliveryError,
    webhook_headers,
)
from .disclosure import (
    Decision,
    DisclosureRefused,
    GateReads,
    disclosure_decide,
    gate_reads_annotations,
    gate_reads_of,
)
from .models import Referral, ReferralAttempt


class ReferralNotFailed(DomainError, ValueError):
    """Only a failed referral is sent again (409 ``not_failed``; a ValueError, as before)."""

    code = "not_failed"
    status_code = 409
    message = gettext_lazy("Only failed referrals can be resent; this one is: %(state)s.")


log = logging.getLogger(__name__)
State = Referral.State

# What the agency is told when the gate withdraws a referral: the reason code (stable, for
# machines), what it means and what the agency must do. Codes are the gate's refusal codes, with
# `consent_withdrawn` told apart from a consent that never covered the referral.
WITHDRAWAL: dict[str, tuple[str, str]] = {
    "consent_withdrawn": (
        gettext_noop("The data owner withdrew the consent this referral rested on."),
        gettext_noop("Do not use the data received under this referral any further."),
    ),
    "no_consent": (
        gettext_noop("No consent of the data owner in force covers this referral any more."),
        gettext_noop("Do not use the data received under this referral any further."),
    ),
    "no_agreement": (
        gettext_noop(
            "No data-sharing agreement in force covers this case's category and purpose (for "
            "example, the agreement expired)."
        ),
        gettext_noop("Renew the agreement with the centre; the centre may then refer the case again."),
    ),
    "no_legal_order": (
        gettext_noop("The legal order this referral rested on is no longer recorded."),
        gettext_noop("Send the centre the order again; the centre may then refer the case again."),
    ),
    "restricted": (
        gettext_noop("The data owner restricted the processing of their data (PDPA s.34)."),
        gettext_noop(
            "Keep the data you hold stored but do not use it until the centre tells you the "
            "restriction is lifted."
        ),
    ),
    "erased": (
        gettext_noop("The data owner's personal data was erased (PDPA s.33)."),
        gettext_noop(
            "Erase the personal data of this case from your copy unless a law requires you to keep it."
        ),
    ),
    "agency_inactive": (
        gettext_noop("Your agency is not active at the centre."),
        gettext_noop("Contact the centre."),
    ),
}
_OTHER = (
    gettext_noop("The disclosure gate refused to release this case."),
    gettext_noop("Contact the centre."),
)


def withdrawal_view(referral: Referral) -> dict[str, Any]:
    """What an agency (or the desk) is shown for a withdrawn referral: no case data."""
    reason, instruction = WITHDRAWAL.get(referral.withdrawn_reason, _OTHER)
    return {
        "reason_code": referral.withdrawn_reason,
        "reason": gettext(reason),
        "instruction": gettext(instruction),
        "withdrawn_at": referral.withdrawn_at,
    }


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def referral_create(
    *,
    complaint: Complaint,
    agency: Agency,
    purpose: str,
    basis: str,
    actor: Any,
    consent_id: int | None = None,
    legal_order_id: int | None = None,
) -> Referral:
    """Ask the gate, then write the referral (the outbox row) and its timeline entry in one
    transaction; delivery is enqueued after commit. A refusal raises DisclosureRefused and writes
    nothing. Nothing leaves here: the delivery (or the agency's read) asks the gate again."""
    require(actor, Can.CASE_ROUTE)
    # the rows after the referral (timeline entries, the audit entry, the outbox row) are written
    # together at the block's end in one statement (occ.rows.rows_together)
    with transaction.atomic(), rows_together():
        complaint, reads = _case_locked(complaint.pk, agency.pk)
        decision: Decision = disclosure_decide(
            complaint=complaint,
            recipient=agency,
            purpose=purpose,
            basis=basis,
            actor=actor,
            consent_id=consent_id,
            legal_order_id=legal_order_id,
            reads=reads,
        )
        method = agency.delivery_method
        referral = Referral(
            complaint=complaint,
            agency=agency,
            delivery_method=method,
            purpose=purpose,
            basis=basis,
            basis_reference=decision.basis_reference[:300],
            consent_id=decision.basis_id if basis == Basis.CONSENT else None,
            legal_order_id=decision.basis_id if basis == Basis.LEGAL_ORDER else None,
            fields=decision.fields,
            payload_sha256=decision.sha256,
            created_by=actor,
            state=State.AVAILABLE if method == "api" else State.PENDING,
        )
        rows_insert([referral])  # save()'s INSERT and signals, its text built once
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.REFERRAL,
            is_public=True,
            text=f"{agency.name_th} / {agency.name_en}",
            actor=actor,
        )
        if complaint.status in lifecycle.REFERRAL_MOVES:
            # read under its lock above and unchanged: the audit entry is written from it directly
            lifecycle.status_set(complaint=complaint, to_status=Status.REFERRED, actor=actor, locked=True)
        if method != "api":
            _enqueue(referral)
    return referral


def _case_locked_read(pk):
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("complainant", "category")
        .filter(pk=pk)
    )


_CASE_LOCKED = Compiled(_case_locked_read)
# on PostgreSQL the same read carries the gate's two reads for this agency and day (GateReads)
_CASE_LOCKED_WITH_GATE_READS = Compiled(
    lambda pk, agency_id, today: _case_locked_read(pk).annotate(
        **(
            gate_reads_annotations(
                using=DEFAULT_DB_ALIAS,
                complaint_table=Complaint._meta.db_table,
                agency=agency_id,
                today=today,
            )
            or {}
        )
    )
)


def _case_locked(pk: int, agency_id: int) -> tuple[Complaint, GateReads | None]:
    """The case locked for the routing call with its complainant and category, and on
    PostgreSQL in the same statement the gate's reads for this agency today."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return _CASE_LOCKED.get(pk), None
    today = timezone.localdate()
    complaint = _CASE_LOCKED_WITH_GATE_READS.get(pk, agency_id, today)
    return complaint, gate_reads_of(complaint, complaint=complaint, agency_id=agency_id, today=today)


# routing.tasks.referral_deliver, by name: the outbox row names the task (tasks import this module)
DELIVER_TASK = "routing.tasks.referral_deliver"


def _enqueue(referral: Referral) -> None:
    delivery.delivery_enqueue(DELIVER_TASK, referral.pk)


# --- the gate, asked at each release -------------------------------------------------------------


def reason_code_of(referral: Referral, refused: DisclosureRefused) -> str:
    if (
        refused.code == "no_consent"
        and referral.consent_id
        and Consent.objects.filter(pk=referral.consent_id, withdrawn_at__isnull=False).exists()
    ):
        return "consent_withdrawn"
    return refused.code


def referral_gate(referral: Referral, *, loaded: bool = False, reads: GateReads | None = None) -> Decision:
    """Ask the gate now about this referral's basis (the same consent or legal order; an agreement
    in force now), the subject's state now, and minimise the case as it is now. Raises
    DisclosureRefused. ``loaded``: the caller has just read the referral with its case,
    complainant, category and agency (``_DELIVERY_RELATED``), so they are not read again;
    ``reads``: the gate's own reads made in that same statement (``_delivery_read``)."""
    if loaded:
        complaint, agency = referral.complaint, referral.agency
    else:
        complaint = Complaint.objects.select_related("complainant", "category").get(pk=referral.complaint_id)
        agency = Agency.objects.get(pk=referral.agency_id)
    return disclosure_decide(
        complaint=complaint,
        recipient=agency,
        purpose=referral.purpose,
        basis=referral.basis,
        # 0 matches no row: a referral whose consent or order is gone is refused, never re-based
        consent_id=(referral.consent_id or 0) if referral.basis == Basis.CONSENT else None,
        legal_order_id=(referral.legal_order_id or 0) if referral.basis == Basis.LEGAL_ORDER else None,
        reads=reads,
    )


def referral_withdraw(*, referral: Referral, reason_code: str, actor: Any = None) -> bool:
    """The gate refused a release: the referral is withdrawn with the reason code (kept in its
    state, its attempt log and the case timeline, where agents and supervisors see it); pending and
    retrying deliveries stop. True if this call withdrew it."""
    with transaction.atomic():
        changed = (
            Referral.objects.filter(pk=referral.pk)
            .exclude(state=State.WITHDRAWN)
            .update(
                state=State.WITHDRAWN,
                withdrawn_at=timezone.now(),
                withdrawn_reason=reason_code[:40],
                next_attempt_at=None,
                claimed_at=None,
                last_error=WITHDRAWAL.get(reason_code, _OTHER)[0][:500],  # a msgid, translated where shown
            )
        )
        if changed:
            ReferralAttempt.objects.create(
                referral=referral, kind=ReferralAttempt.Kind.REFUSED, ok=False, error=reason_code[:500]
            )
            timeline_add(
                complaint_id=referral.complaint_id,
                kind=TimelineEvent.Kind.REFERRAL_WITHDRAWN,
                is_public=False,
                # stored, so language-neutral: agency code and the reason code
                text=f"{referral.agency.code}: {reason_code}",
                actor=actor if getattr(actor, "pk", None) else None,
            )
    referral.refresh_from_db()
    return bool(changed)


def referrals_recheck(*, complaint_ids: list[int]) -> int:
    """Ask the gate about every referral of these cases that is not withdrawn, and withdraw the
    ones it refuses now (so a restriction or erasure stops pending and retrying deliveries at
    once, not only at their next attempt). Returns how many were withdrawn."""
    withdrawn = 0
    for referral in Referral.objects.filter(complaint_id__in=complaint_ids).exclude(state=State.WITHDRAWN):
        try:
            referral_gate(referral)
        except DisclosureRefused as refused:
            withdrawn += referral_withdraw(referral=referral, reason_code=reason_code_of(referral, refused))
    return withdrawn


# --- delivery ------------------------------------------------------------------------------------


def _send(referral: Referral, body: bytes) -> int:
    agency = referral.agency
    delivery_id = str(referral.delivery_id)
    if referral.delivery_method == "email":
        return delivery.email_send(
            agency,
            subject=f"[1212 OCC] {referral.complaint.reference} ({delivery_id})",
            text=(
                "ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 ส่งต่อเรื่องร้องเรียนตามข้อมูลแนบ (JSON)\n"
                "The 1212 Online Complaint Center refers the attached case (JSON).\n"
                f"Delivery id: {delivery_id}\nBasis: {referral.basis} ({referral.basis_reference})\n"
            ),
            delivery_id=delivery_id,
            filename=f"{referral.complaint.reference}.json",
            body=body,
            kind="referral",
        )
    return delivery.webhook_post(agency, delivery_id=delivery_id, body=body, kind="referral")


_DELIVERY_RELATED = ("agency", "complaint__complainant", "complaint__category", "created_by")
_DELIVERY_READ = Compiled(lambda pk: Referral.objects.select_related(*_DELIVERY_RELATED).filter(pk=pk))


def _delivery_read_with_gate_reads(pk: int, today):
    """The delivery's read with, on PostgreSQL, the gate's two reads for the referral's agency
    on ``today`` as annotations (routing.disclosure.gate_reads_annotations)."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    agency_column: Any = Referral._meta.get_field("agency")
    return (
        Referral.objects.select_related(*_DELIVERY_RELATED)
        .filter(pk=pk)
        .annotate(
            **(
                gate_reads_annotations(
                    using=DEFAULT_DB_ALIAS,
                    complaint_table=Complaint._meta.db_table,
                    agency=f"{qn(Referral._meta.db_table)}.{qn(agency_column.column)}",
                    today=today,
                )
                or {}
            )
        )
    )


# on PostgreSQL the same read carries the gate's two reads for the referral's agency today
_DELIVERY_READ_WITH_GATE_READS = Compiled(_delivery_read_with_gate_reads)
# on PostgreSQL the claim and that read are one statement: the claim's UPDATE a CTE whose row the
# read requires (the read sees the row as it was before the claim, in the same snapshot)
_CLAIMED = "occ_claimed"
_CLAIMED_WHERE = f"EXISTS (SELECT 1 FROM {_CLAIMED})"  # noqa: S608 - a fixed text
_CLAIMED_READ = Compiled(
    lambda pk, today: _delivery_read_with_gate_reads(pk, today).extra(where=[_CLAIMED_WHERE])  # noqa: S610
)


def _claimed_read(pk: int) -> tuple[bool, Referral | None, GateReads | None]:
    """Claim the referral and read it (with the gate's reads on PostgreSQL): (claimed, the
    referral, the gate's reads). On PostgreSQL one statement; the instance is given the claim's
    state, time and attempt count, as a read after the claim would have found them."""
    connection = connections[DEFAULT_DB_ALIAS]
    pending: list[str] = [State.PENDING, State.RETRYING]
    if connection.vendor == "postgresql":
        sql, params, now = delivery.claim_statement(Referral, pk, pending)
        today = timezone.localdate()
        qn = connection.ops.quote_name
        before = f"WITH {_CLAIMED} AS ({sql} RETURNING {qn(str(Referral._meta.pk.column))})"
        found = _CLAIMED_READ.all_after(before, params, pk, today)
        if found is not None:
            if not found:
                return False, None, None
            (referral,) = found
            referral.state, referral.claimed_at, referral.attempts = State.SENDING, now, referral.attempts + 1
            return True, referral, _gate_reads_of(referral, today)
    if not delivery.claim(Referral, pk, pending):
        return False, None, None
    referral, reads = _delivery_read(pk)
    return True, referral, reads


def _delivery_read(pk: int) -> tuple[Referral, GateReads | None]:
    """The referral with what the gate, the transport and the transfer record need, and on
    PostgreSQL in the same statement the gate's reads for its agency today."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return _DELIVERY_READ.get(pk), None
    today = timezone.localdate()
    referral = _DELIVERY_READ_WITH_GATE_READS.get(pk, today)
    return referral, _gate_reads_of(referral, today)


def _gate_reads_of(referral: Referral, today) -> GateReads | None:
    return gate_reads_of(referral, complaint=referral.complaint, agency_id=referral.agency_id, today=today)


def referral_deliver(*, referral_id: int) -> str:
    """Deliver once per claim. The gate is asked first, on every attempt; a refusal withdraws the
    referral and sends nothing. The HTTP call happens outside any transaction; success appends the
    transfer record of this release (a repeat of the same bytes finds it and appends nothing)."""
    # the claim, then one read: what the gate (its own reads too), the transport and the transfer
    # record need (on PostgreSQL the claim and the read are one statement)
    claimed, referral, reads = _claimed_read(referral_id)
    if not claimed or referral is None:
        return "not-claimed"
    try:
        decision = referral_gate(referral, loaded=True, reads=reads)
    except DisclosureRefused as refused:
        referral_withdraw(referral=referral, reason_code=reason_code_of(referral, refused))
        return "withdrawn"
    try:
        code = _send(referral, decision.body)
    except TransientDeliveryError as exc:
        return _failed(referral, str(exc), permanent=False, sha256=decision.sha256)
    except PermanentDeliveryError as exc:
        return _failed(referral, str(exc), permanent=True, sha256=decision.sha256)
    # the transfer record, the chain head's advance, the referral's and the agency's state and
    # the attempt row written together at the block's end (occ.rows: one statement on PostgreSQL)
    with transaction.atomic(), rows_together():
        transfer_record_of_release(
            referral,
            decision,
            kind=TransferRecord.Kind.DISCLOSURE,
            recipient=referral.agency.code,
            actor=_actor_label(referral.created_by),
        )
        _delivered(referral, decision)
        rows_insert(
            [ReferralAttempt(referral=referral, ok=True, status_code=code, payload_sha256=decision.sha256)],
            later=True,
        )
    return "delivered"


def _delivered(referral: Referral, decision: Decision, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """After a successful release, in one UPDATE each: the referral is delivered unless it was
    withdrawn meanwhile (the bytes left, the record says so, but the state stays withdrawn) and
    keeps the fields, hash and basis reference of this release; the agency's failure state is
    cleared (only written when there is one)."""
    connection = connections[using]
    meta = Referral._meta
    now = meta.get_field("delivered_at").get_db_prep_save(timezone.now(), connection=connection)
    fields = meta.get_field("fields").get_db_prep_save(decision.fields, connection=connection)
    referral_sql, agency_sql = _delivered_sql(connection)
    # inside referral_deliver's rows_together(): with the block's other rows
    statement_later(referral_sql, [now, fields, decision.sha256, decision.basis_reference[:300], referral.pk])
    statement_later(agency_sql, [referral.agency_id])


_DELIVERED_SQL: dict[str, tuple[str, str]] = {}


def _delivered_sql(connection) -> tuple[str, str]:
    found = _DELIVERED_SQL.get(connection.vendor)
    if found is None:
        qn = connection.ops.quote_name

        def col(model, name: str) -> str:
            return qn(model._meta.get_field(name).column)

        state, sending = col(Referral, "state"), f"{col(Referral, 'state')} = '{State.SENDING}'"

        def unless_withdrawn(name: str, value: str) -> str:
            return f"{col(Referral, name)} = CASE WHEN {sending} THEN {value} ELSE {col(Referral, name)} END"

        referral_sql = (
            f"UPDATE {qn(Referral._meta.db_table)} SET "  # noqa: S608 - names from the models
            f"{state} = CASE WHEN {sending} THEN '{State.DELIVERED}' ELSE {state} END, "
            + ", ".join(
                [
                    unless_withdrawn("delivered_at", "%s"),
                    unless_withdrawn("last_error", "''"),
                    unless_withdrawn("next_attempt_at", "NULL"),
                    f"{col(Referral, 'fields')} = %s",
                    f"{col(Referral, 'payload_sha256')} = %s",
                    f"{col(Referral, 'basis_reference')} = %s",
                ]
            )
            + f" WHERE {col(Referral, 'id')} = %s"
        )
        failures = (
            f"{col(Agency, 'failure_count')} <> 0 OR {col(Agency, 'last_error')} <> '' "
            f"OR {col(Agency, 'next_attempt_at')} IS NOT NULL"
        )
        agency_sql = (
            f"UPDATE {qn(Agency._meta.db_table)} SET {col(Agency, 'failure_count')} = 0, "  # noqa: S608
            f"{col(Agency, 'last_error')} = '', {col(Agency, 'next_attempt_at')} = NULL "
            f"WHERE {col(Agency, 'id')} = %s AND ({failures})"
        )
        found = _DELIVERED_SQL[connection.vendor] = (referral_sql, agency_sql)
    return found


def _failed(referral: Referral, error: str, *, permanent: bool, sha256: str = "") -> str:
    from django.db.models import F

    attempts = Referral.objects.get(pk=referral.pk).attempts
    final, next_at = delivery.backoff(attempts, permanent=permanent)
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk, state=State.SENDING).update(
            state=State.FAILED if final else State.RETRYING, last_error=error[:500], next_attempt_at=next_at
        )
        ReferralAttempt.objects.create(referral=referral, ok=False, error=error[:500], payload_sha256=sha256)
        Agency.objects.filter(pk=referral.agency_id).update(
            failure_count=F("failure_count") + 1, last_error=error[:500], next_attempt_at=next_at
        )
    log.warning(
        "referral %s delivery failed (%s, attempt %s): %s",
        referral.delivery_id,
        "final" if final else "will retry",
        attempts,
        error,
    )
    return "failed" if final else "retrying"


def referrals_due(now=None) -> list[int]:
    """Referrals whose retry time has come, and deliveries whose worker died mid-way."""
    return delivery.due(Referral, now)


def referral_resend(*, referral: Referral, actor: Any) -> Referral:
    """A supervisor sends a failed referral again: same delivery id, history kept; the gate is
    asked again when it goes (a withdrawn referral is never resent)."""
    require(actor, Can.REFERRAL_RESEND)
    with transaction.atomic():
        changed = Referral.objects.filter(pk=referral.pk, state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_attempt_at=None
        )
        if not changed:
            raise ReferralNotFailed(state=referral.get_state_display())
        ReferralAttempt.objects.create(referral=referral, kind=ReferralAttempt.Kind.RESEND, actor=actor)
        _enqueue(referral)
    referral.refresh_from_db()
    return referral


# --- the agency's side ---------------------------------------------------------------------------


def transfer_record_of_release(
    referral: Referral, decision: Decision, *, kind: str, recipient: str, actor: str
) -> None:
    """One transfer-log record of one release: the fields and the SHA-256 of the exact bytes sent."""
    transfer_log.transfer_append(
        kind=kind,
        recipient=recipient,
        complaint_reference=referral.complaint.reference,
        basis=referral.basis,
        basis_reference=decision.basis_reference,
        purpose=referral.purpose,
        data_categories=decision.data_categories,
        fields=decision.fields,
        payload_sha256=decision.sha256,
        actor=actor,
        delivery_id=str(referral.delivery_id),
    )
