from django.urls import re_path

from . import views

_F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^open311/discovery" + _F, views.discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services" + _F, views.service_list, name="open311-services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]+)" + _F, views.service_definition, name="open311-service"),
    re_path(r"^open311/v2/requests" + _F, views.requests, name="open311-requests"),
    re_path(r"^open311/v2/requests/(?P<reference>[\w-]+)" + _F, views.request_detail, name="open311-request"),
    re_path(r"^open311/v2/tokens/(?P<token>[\w-]+)" + _F, views.token_detail, name="open311-token"),
]
