import json
import secrets
from functools import cache

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response

from occ.api.throttling import ScopedRateThrottle
from occ.api.views import PublicAPIView
from occ.urls import urlpatterns as occ_urlpatterns
from privacy.models import TrafficRecord


@csrf_exempt
def bare_insert(request):
    """The baseline: the same stack (gunicorn, Django, PostgreSQL), one INSERT, a JSON answer."""
    row = TrafficRecord.objects.create(at=timezone.now(), method="POST", path="/bench/bare/")
    return JsonResponse({"id": row.pk}, status=201)


class FrameworkInsert(PublicAPIView):
    """A second baseline: what DRF itself costs on a public endpoint (JSON parsing, the per-IP
    throttle on Redis, content negotiation, rendering) around the same one INSERT."""

    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    def post(self, request):
        row = TrafficRecord.objects.create(
            at=timezone.now(), method="POST", path=str(request.data.get("p", ""))[:10]
        )
        return Response({"id": row.pk}, status=201)


# The intake's rows (the complainant, the complaint with its yearly number, the policy record,
# the timeline entry, the two audit entries with their masked changes, the traffic record) in
# one statement, the number from a counter row of its own (year 1999, so the intake's numbers
# stay gap-free) and references "FLR-...".
FLOOR_SQL = """
WITH n AS (
  INSERT INTO complaints_referencecounter (year, last_number) VALUES (1999, 1)
  ON CONFLICT (year) DO UPDATE SET last_number = complaints_referencecounter.last_number + 1
  RETURNING last_number
), p AS (
  INSERT INTO complaints_complainant (is_anonymous, name, phone, email, address, national_id, created_at)
  VALUES (false, %(name)s, %(phone)s, %(email)s, '', '', now()) RETURNING id
), c AS (
  INSERT INTO complaints_complaint (reference, tracking_code_hash, channel, description, incident_url,
    amount_lost, other_party_account, other_party_phone, status, priority, received_at, sla_due_at,
    updated_at, category_id, complainant_id, incident_address, incident_province, acknowledgement_due)
  SELECT 'FLR-1999-' || lpad(n.last_number::text, 6, '0'), %(code)s, %(channel)s, %(description)s,
    %(url)s, %(amount)s, '', '', 'received', 'normal', now(), now() + interval '7 days', now(),
    %(category)s, p.id, '', '', true
  FROM n, p RETURNING id, reference
), pol AS (
  INSERT INTO privacy_ops_complaintpolicy (complaint_id, policy_id) SELECT c.id, %(policy)s FROM c
), t AS (
  INSERT INTO complaints_timelineevent (kind, is_public, from_status, to_status, text, created_at, complaint_id)
  SELECT 'created', true, '', 'received', '', now(), c.id FROM c
), a AS (
  INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action, changes, timestamp,
    content_type_id, remote_addr, changes_text)
  SELECT p.id::text, p.id, 'complainant ' || p.id, 0, %(complainant_changes)s::jsonb, now(),
    %(complainant_type)s, %(ip)s::inet, '' FROM p
  UNION ALL
  SELECT c.id::text, c.id, c.reference, 0, %(complaint_changes)s::jsonb, now(),
    %(complaint_type)s, %(ip)s::inet, '' FROM c
), r AS (
  INSERT INTO privacy_trafficrecord (at, ip_address, user_agent, host, method, path, referrer,
    status_code, channel, complaint_reference)
  SELECT now(), %(ip)s::inet, '', '', 'POST', '/bench/floor/', '', 201, 'web', c.reference FROM c
)
SELECT reference FROM c
"""


@cache
def _floor_reference_data() -> dict:
    from django.contrib.contenttypes.models import ContentType

    from complaints.models import Category, Complainant, Complaint
    from privacy.ops.models import PolicyVersion

    return {
        "categories": dict(Category.objects.values_list("code", "id")),
        "policy": PolicyVersion.objects.order_by("-effective_at").values_list("id", flat=True)[0],
        "complainant_type": ContentType.objects.get_for_model(Complainant).id,
        "complaint_type": ContentType.objects.get_for_model(Complaint).id,
    }


class IntakeFloor(PublicAPIView):
    """The floor of an intake on this stack: the public DRF view behind the per-IP throttle
    (FrameworkInsert) parsing the intake's own body, then the rows an intake writes, in one
    statement inside a transaction as the intake's, with no validation, no minimum-data check,
    no instance, no audit diff and no indicator: what no intake that keeps its guarantees can
    cost less than (benchmarks/intake.py, docs/performance.md "The floor")."""

    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    def post(self, request):
        data, ref = request.data, _floor_reference_data()
        person, incident = data.get("complainant") or {}, data.get("incident") or {}
        masked = {k: ["None", "[masked]"] for k in ("name", "phone", "email") if person.get(k)}
        facts = {k: ["None", str(v)] for k, v in data.items() if not isinstance(v, dict)}
        facts.update({k: ["None", str(v)] for k, v in incident.items()})
        facts.update(status=["None", "received"], priority=["None", "normal"], channel=["None", "web"])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                FLOOR_SQL,
                {
                    "name": person.get("name", ""),
                    "phone": person.get("phone", ""),
                    "email": person.get("email", ""),
                    "code": secrets.token_hex(32),
                    "channel": data.get("channel", "web"),
                    "description": data.get("description", ""),
                    "url": incident.get("website_url", ""),
                    "amount": incident.get("amount_lost"),
                    "category": ref["categories"].get(data.get("category")),
                    "policy": ref["policy"],
                    "complainant_changes": json.dumps({**masked, "is_anonymous": ["None", "False"]}),
                    "complaint_changes": json.dumps(facts),
                    "complainant_type": ref["complainant_type"],
                    "complaint_type": ref["complaint_type"],
                    "ip": request.META.get("REMOTE_ADDR"),
                },
            )
            reference = cursor.fetchone()[0]
        return Response({"reference": reference}, status=201)


urlpatterns = [
    path("bench/bare/", bare_insert),
    path("bench/drf/", FrameworkInsert.as_view()),
    path("bench/floor/", IntakeFloor.as_view()),
    *occ_urlpatterns,
]
