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


urlpatterns = [
    path("bench/bare/", bare_insert),
    path("bench/drf/", FrameworkInsert.as_view()),
    *occ_urlpatterns,
]
