"""Auditors and the privacy officer read, filter and export the transfer log, and verify it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from complaints.access import Can, require
from complaints.permissions import IsStaff
from occ.api.errors import ErrorResponseSerializer
from occ.api.export import rows_answer
from occ.api.schema import rows_or_csv
from occ.api.strict import ExportParams
from occ.api.views import StaffAPIView
from privacy import transfer_log
from privacy.models import TransferRecord

COLUMNS = [*transfer_log.HASHED_FIELDS, "hash"]


def _auditor(user) -> None:
    require(user, Can.AUDIT_TRANSFERS)


class TransferLogParams(ExportParams):
    agency = serializers.CharField(required=False, max_length=100)
    case = serializers.CharField(required=False, max_length=32)
    basis = serializers.CharField(required=False, max_length=40)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class TransferLogView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="audit_transfer_log",
        parameters=[TransferLogParams],
        responses={**rows_or_csv(), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        _auditor(request.user)
        q = TransferLogParams.of(request)
        qs = TransferRecord.objects.order_by("seq")
        if q.get("agency"):
            qs = qs.filter(recipient=q["agency"])
        if q.get("case"):
            qs = qs.filter(complaint_reference=q["case"].upper())
        if q.get("basis"):
            qs = qs.filter(basis=q["basis"])
        if q.get("since"):
            qs = qs.filter(at__gte=q["since"])
        if q.get("until"):
            qs = qs.filter(at__lt=q["until"])
        rows = [
            {c: (r[c].isoformat() if c == "at" else r[c]) for c in COLUMNS}
            for r in qs.values(*COLUMNS)[:100000]
        ]
        return rows_answer(rows, as_=q.get("as"), filename="transfer-log")


class TransferLogVerifyView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="audit_transfer_log_verify", responses={200: dict})
    def get(self, request):
        _auditor(request.user)
        result = transfer_log.verify()
        return Response(
            {
                "ok": result.ok,
                "checked": result.checked,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            }
        )
