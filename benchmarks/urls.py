from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from occ.urls import urlpatterns as occ_urlpatterns
from privacy.models import TrafficRecord


@csrf_exempt
def bare_insert(request):
    """The baseline: the same stack (gunicorn, Django, PostgreSQL), one INSERT, a JSON answer."""
    row = TrafficRecord.objects.create(at=timezone.now(), method="POST", path="/bench/bare/")
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns = [path("bench/bare/", bare_insert), *occ_urlpatterns]
