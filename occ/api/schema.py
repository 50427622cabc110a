"""The OpenAPI schema tells the truth (issue 17): every status code an operation can answer, the
refusal of unknown fields (``additionalProperties: false``), the characters and dates accepted.

Each added answer is one the API really gives on every such operation:
- 400: the request guard refuses NUL/control characters in any query parameter (every operation),
  and every body or query parameter is validated;
- 401 and 403: an operation that requires authentication (no or a bad credential: 401 for a token,
  403 for a session without the second factor or a role without the capability);
- 404: an operation with a path parameter or an authenticated one (an object or queue the actor
  may not reach is 404, like one that does not exist);
- 413 and 415: an operation with a request body (too large; a media type it does not parse);
- 429: an operation with a throttle.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from occ.api.strict import DATE_MAX_YEAR, DATE_MIN_YEAR, StrictSerializer

# The characters a text field accepts (occ.text.text_problem refuses the others).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*$"
DATE_PATTERN = "^(20[0-9]{2}|2100)-"


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }


class OccAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            result["additionalProperties"] = False
        return result

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(result, dict):
            return result
        if isinstance(field, serializers.DateTimeField | serializers.DateField):
            result["pattern"] = DATE_PATTERN
            result.setdefault("description", f"between the years {DATE_MIN_YEAR} and {DATE_MAX_YEAR}")
        elif (
            isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.ChoiceField)
            and result.get("type") == "string"
            and "pattern" not in result
            and "format" not in result
        ):
            result["pattern"] = TEXT_PATTERN
        return result

    def _process_override_parameters(self, direction="request"):
        result = super()._process_override_parameters(direction)
        for (_name, _where), param in result.items():
            schema = param.get("schema", {}) if isinstance(param, dict) else {}
            if schema.get("type") == "string" and not schema.get("enum") and "pattern" not in schema:
                if schema.get("format") in ("date-time", "date"):
                    schema["pattern"] = DATE_PATTERN
                elif "format" not in schema:
                    schema["pattern"] = TEXT_PATTERN
        return result

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        add = {"400": "The request has errors (named in fields)."}
        if self.get_auth() and getattr(self.view, "permission_classes", None):
            add["401"] = "No valid credential."
            add["403"] = "Not allowed for this credential."
        signed = any(
            getattr(p, "name", "").lower() in ("x-occ-signature", "authorization")
            for p in self.get_override_parameters()
        )
        if signed:
            add["401"] = "No valid signature."
        if "{" in self.path or "401" in add:
            # the access layer answers 404 to an actor who may not reach an object or a queue
            add["404"] = "Not found (or not reachable by this actor)."
        if self.method in ("POST", "PUT", "PATCH"):
            add["413"] = "The request body is too large."
            add["415"] = "A media type this operation does not read."
        if getattr(self.view, "throttle_classes", None):
            add["429"] = "Too many requests; try again later."
        for code, description in add.items():
            responses.setdefault(code, _error_response(description))
        return responses


_PAGES: dict[str, type[serializers.Serializer]] = {}


def paginated(child: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The documented shape of a LimitOffsetPagination answer of ``child`` rows."""
    name = f"Paginated{child.__name__.removesuffix('Out')}List"
    if name not in _PAGES:
        _PAGES[name] = type(
            name,
            (serializers.Serializer,),
            {
                "__module__": __name__,
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": child(many=True),
            },
        )
    return _PAGES[name]


ROWS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}


def rows_or_csv() -> dict:
    """An export answered as a JSON array of rows, or as CSV with ``?as=csv``."""
    return {(200, "application/json"): ROWS, (200, "text/csv"): {"type": "string"}}
