"""XML (the specification's required format) and JSON, chosen by the URL's suffix, and the
specification's error form: a list of ``{code, description}``."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - only writes XML, never parses input

from django.http import HttpResponse
from django.utils import timezone

# The child element of each list, as in the specification's XML examples.
ITEM_TAG = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
CONTENT_TYPE = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def w3c(value: datetime | None) -> str | None:
    """W3C date-time with its offset, in Bangkok time (``2026-12-01T18:14:00+07:00``)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAG.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def respond(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """``root`` names the XML root element; JSON carries the value as it is (a list or an object)."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False, default=_json_default).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE.get(fmt, CONTENT_TYPE["json"]))


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)
