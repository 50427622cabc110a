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
        return super().to_internal_value(data)
