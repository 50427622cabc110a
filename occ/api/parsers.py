"""JSON bodies checked before parsing goes deep: nesting depth, number of keys and items, string
length, then no NUL or control character in any key or string (a field error naming where).

``json_body_load`` is the one helper: the DRF parser below calls it, and so may any other
validator (msgspec, a multipart ``data`` part). It raises ``ApiError`` (400, the one error format).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser, MultiPartParser

from occ.errors import ApiError
from occ.text import text_problem


def _limits() -> dict[str, int]:
    return {
        "MAX_DEPTH": 32,
        "MAX_ITEMS": 10_000,  # keys + array items, the whole document
        "MAX_STRING": 100_000,  # characters of one string (after decoding)
        **getattr(settings, "OCC_JSON_LIMITS", {}),
    }


_STRUCTURE = re.compile(rb'["\[\]{}]')
_ESCAPE = re.compile(rb"\\.", re.S)


def _scan(raw: bytes, max_depth: int, max_items: int) -> str | None:
    """One linear scan of the bytes, no recursion: the nesting depth of [ and { outside strings,
    and a cheap upper bound of the items (commas and colons outside strings)."""
    # fewer brackets in all than the depth allowed: the depth cannot be exceeded, no walk needed
    if raw.count(b"[") + raw.count(b"{") > max_depth:
        problem = _depth_walk(raw, max_depth)
        if problem:
            return problem
    if raw.count(b",") + raw.count(b":") > 2 * max_items:
        return _("The body has more than %(n)s items.") % {"n": max_items}
    return None


def _depth_walk(raw: bytes, max_depth: int) -> str | None:
    raw = _ESCAPE.sub(b"", raw)  # escapes only occur inside strings; an escaped quote is gone
    depth = 0
    in_string = False
    for m in _STRUCTURE.finditer(raw):
        ch = m.group(0)
        if ch == b'"':
            in_string = not in_string
        elif in_string:
            continue
        elif ch in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return _("The body is nested more than %(n)s levels deep.") % {"n": max_depth}
        else:
            depth -= 1
    return None


def text_errors(value: Any, path: str = "", *, max_string: int) -> dict[str, list[str]]:
    """Field errors for every key or string that is refused (NUL, controls, too long)."""
    errors: dict[str, list[str]] = {}
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            errors[path or "non_field_errors"] = [
                _("Not accepted: the text contains a NUL or control character, or invalid Unicode.")
            ]
        elif len(value) > max_string:
            errors[path or "non_field_errors"] = [
                _("Not accepted: longer than %(n)s characters.") % {"n": max_string}
            ]
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if text_problem(key):
                errors[path or "non_field_errors"] = [
                    _("Not accepted: a field name contains control characters.")
                ]
                continue
            errors.update(text_errors(item, where, max_string=max_string))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            errors.update(text_errors(item, f"{path}.{i}" if path else str(i), max_string=max_string))
    return errors


def json_body_check(value: Any) -> Any:
    """Refuse NUL/control characters and over-long strings anywhere in a parsed body."""
    _refuse_text(text_errors(value, max_string=_limits()["MAX_STRING"]))
    return value


def _refuse_text(errors: dict[str, list[str]]) -> None:
    """A 400 naming every part whose text was refused (nothing of the body is used)."""
    if errors:
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("The request has errors in: %(names)s.") % {"names": ", ".join(sorted(errors))},
            fields=errors,
        )


def json_body_load(raw: bytes | str, *, field: str | None = None) -> Any:
    """Parse a JSON document within the limits; every refusal is a 400 in the one error format."""
    limits = _limits()
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    fields = {field: []} if field else {}

    def refuse(code: str, message: str) -> ApiError:
        return ApiError(
            status_code=400,
            code=code,
            message=message,
            fields={k: [message] for k in fields},
        )

    problem = _scan(data, limits["MAX_DEPTH"], limits["MAX_ITEMS"])
    if problem:
        raise refuse("body_too_complex", problem)
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise refuse("parse_error", _("The body is not UTF-8 text.")) from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        msg = getattr(exc, "msg", "invalid")
        raise refuse("parse_error", _("The body is not valid JSON: %(why)s.") % {"why": msg}) from exc
    return json_body_check(value)


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser with ``json_body_load``'s limits (the default parser of the API)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = int((request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0)
        if limit is not None and declared > limit:
            raise ApiError(
                status_code=413, code="body_too_large", message=_("The request body is too large.")
            )
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise ApiError(
                status_code=413, code="body_too_large", message=_("The request body is too large.")
            )
        if not raw:
            raise ApiError(status_code=400, code="parse_error", message=_("The body is empty."))
        return json_body_load(raw)


def json_limits_check(raw: bytes) -> str | None:
    """Only the structural limits (depth, items), for channels that clean rather than refuse."""
    limits = _limits()
    return _scan(raw, limits["MAX_DEPTH"], limits["MAX_ITEMS"])


class LimitedMultiPartParser(MultiPartParser):
    """Multipart forms: every text part refused, with its name, when it holds NUL or controls."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        errors = {}
        # a view that ignores unknown parts names the parts it reads; the others are not checked
        only = getattr((parser_context or {}).get("view"), "multipart_text_parts", None)
        for key, values in parsed.data.lists():
            if only is not None and key not in only:
                continue
            for value in values:
                errors.update(text_errors(value, key, max_string=10 * _limits()["MAX_STRING"]))
        _refuse_text(errors)
        return parsed
