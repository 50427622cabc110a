from django.urls import path, register_converter

from . import views


class FormatConverter:
    """The specification's response format, chosen by the suffix."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

urlpatterns = [
    path("open311/discovery.<open311fmt:fmt>", views.discovery, name="open311-discovery"),
    path("open311/v2/services.<open311fmt:fmt>", views.service_list, name="open311-services"),
    path(
        "open311/v2/services/<slug:code>.<open311fmt:fmt>", views.service_definition, name="open311-service"
    ),
    path("open311/v2/requests.<open311fmt:fmt>", views.requests, name="open311-requests"),
    path(
        "open311/v2/requests/<slug:reference>.<open311fmt:fmt>", views.request_detail, name="open311-request"
    ),
    path("open311/v2/tokens/<slug:token>.<open311fmt:fmt>", views.token_detail, name="open311-token"),
]
