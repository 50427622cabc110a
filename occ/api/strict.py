"""Serializers that refuse unknown fields anywhere in a body (minimum data: nothing extra slips in)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


def unknown_fields(
    serializer: serializers.BaseSerializer, data: Any, prefix: str = ""
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if isinstance(serializer, serializers.ListSerializer):
        if isinstance(data, list):
            for i, item in enumerate(data):
                errors.update(unknown_fields(serializer.child, item, f"{prefix}{i}."))
        return errors
    if not isinstance(serializer, serializers.Serializer) or not hasattr(data, "keys"):
        return errors
    fields = serializer.fields
    for key in data:
        if key not in fields or fields[key].read_only:
            errors[f"{prefix}{key}"] = [_("Unknown field: the centre does not accept it (minimum data).")]
        else:
            errors.update(unknown_fields(fields[key], data[key], f"{prefix}{key}."))
    return errors


class StrictSerializer(serializers.Serializer):
    """Rejects, with 400, each field of the input that the serializer does not declare."""

    def to_internal_value(self, data: Any) -> Any:
        if self.root is self:
            extra = unknown_fields(self, data)
            if extra:
                raise serializers.ValidationError(extra)
        value = super().to_internal_value(data)
        errors = dates_out_of_range(self, value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


# Events of this centre happen in this range; a date outside it is a typo or an attack (year 0825).
DATE_MIN_YEAR = 2000
DATE_MAX_YEAR = 2100


def dates_out_of_range(serializer: serializers.Serializer, values: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not hasattr(values, "items"):
        return errors
    for name, field in serializer.fields.items():
        if not isinstance(field, serializers.DateTimeField | serializers.DateField):
            continue
        value = values.get(field.source if field.source != "*" else name)
        if value is not None and not DATE_MIN_YEAR <= value.year <= DATE_MAX_YEAR:
            errors[name] = [
                _("A date between the years %(lo)s and %(hi)s.") % {"lo": DATE_MIN_YEAR, "hi": DATE_MAX_YEAR}
            ]
    return errors


class QueryParams(serializers.Serializer):
    """Query parameters validated like a body: a bad value is a 400 naming the parameter."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        errors = dates_out_of_range(self, value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    @classmethod
    def of(cls, request) -> dict:
        params = cls(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data


class OverdueParams(QueryParams):
    overdue = serializers.BooleanField(required=False, default=False)


class DownloadParams(QueryParams):
    download = serializers.BooleanField(required=False, default=False, help_text="as an attachment")


EXPORT_FORMAT = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")
ExportParams = type("ExportParams", (QueryParams,), {"as": EXPORT_FORMAT, "__module__": __name__})


def export_format(request) -> str:
    """The ``as`` parameter of an export (``json`` or ``csv``), validated like every parameter."""
    return QueryParams.of.__func__(ExportParams, request)["as"]  # type: ignore[attr-defined]
