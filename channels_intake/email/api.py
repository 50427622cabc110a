"""The mail gateway endpoint: POST the raw RFC 5322 message, HMAC-signed."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.views import PublicAPIView
from occ.signing import inbound

from .processing import email_ingest_one, summary


class RawParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream else b""


class MailGatewayView(PublicAPIView):
    parser_classes = [RawParser]

    @extend_schema(
        operation_id="mail_gateway_deliver",
        summary="Deliver one raw e-mail (message/rfc822), signed with the gateway secret",
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        parameters=[
            OpenApiParameter("X-OCC-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-OCC-Signature", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-OCC-Key-Id", str, OpenApiParameter.HEADER, required=False),
        ],
        responses={200: dict, 401: ErrorResponseSerializer, 413: ErrorResponseSerializer},
    )
    def post(self, request):
        raw = request.body
        inbound.verify(request, client=inbound.MAIL_GATEWAY, message=lambda ts: inbound.body_message(ts, raw))
        if not raw.strip():
            raise ApiError(
                status_code=400, code="empty_message", message=_("The body is empty; send the raw message.")
            )
        item, stored = email_ingest_one(raw, source="gateway", mailbox="gateway")
        return Response({**summary(item), "duplicate": not stored})
