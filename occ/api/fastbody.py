"""Lean validation of public request bodies: msgspec Structs for the shape, precompiled DRF
fields for the values, the DRF serializer only to word a refusal.

A body is first converted to a ``msgspec.Struct`` declared with ``forbid_unknown_fields`` at every
depth (unknown keys, wrong JSON types, missing fields are caught there, in C), then each value goes
through a DRF field built once at import time (``run_validation``: the same trimming, length,
URL, date and decimal rules and messages as the serializer, without copying a field tree per
request). Anything either step refuses is handed to the view's DRF serializer, which produces the
refusal exactly as before (the one error format, every field, Thai and English). So a valid body
never builds a serializer, an invalid one is worded by the same code as always, and this layer
can only be stricter than the serializer, never looser.

Composable with parser-level limits (body size, JSON depth, NUL refusal): it works on the object
the parser already produced (``request.data``), not on the raw bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

_SURROGATE = re.compile("[\ud800-\udfff]")


class _SurrogateSearch(ProhibitSurrogateCharactersValidator):
    """DRF's surrogate check (on every CharField), as one regular-expression search instead of a
    Python loop over every character; the same refusal."""

    def __call__(self, value):
        if _SURROGATE.search(str(value)):
            super().__call__(value)


def lean_fields(serializer: serializers.Serializer) -> Mapping[str, serializers.Field]:
    """The serializer's fields, built once, for ``given``: the same fields and validators, DRF's
    per-character surrogate loop replaced by a search (at any depth)."""
    fields = serializer.fields
    for field in fields.values():
        if isinstance(field, serializers.Serializer):
            lean_fields(field)
        field.validators = [
            _SurrogateSearch() if type(v) is ProhibitSurrogateCharactersValidator else v
            for v in field.validators
        ]
    return fields


class Refused(Exception):
    """The lean path will not accept this body; let the serializer explain why."""


def shape(payload: Any, struct: type[msgspec.Struct]) -> msgspec.Struct:
    try:
        return msgspec.convert(payload, struct, strict=True)
    except (msgspec.ValidationError, UnicodeError, TypeError, ValueError) as exc:  # e.g. lone surrogates
        raise Refused from exc


def leaf(field: serializers.Field, value: Any) -> Any:
    """``field`` is built once (module level); ``run_validation`` needs no parent serializer."""
    try:
        return field.run_validation(value)
    except (serializers.ValidationError, DjangoValidationError) as exc:
        raise Refused from exc


def given(
    obj: msgspec.Struct,
    fields: Mapping[str, serializers.Field],
    special: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """The validated values of ``obj`` as the serializer with these ``fields`` would return them:
    absent optional fields stay absent, defaults are filled in, a missing required field refuses,
    nested serializers recurse; ``special`` validates a field its own way (e.g. from a cache)."""
    out: dict[str, Any] = {}
    for name, field in fields.items():
        if field.read_only:
            continue
        value = getattr(obj, name)
        if value is msgspec.UNSET:
            if field.required:
                raise Refused
            if field.default is not empty:
                out[name] = field.get_default()
            continue
        if special and name in special:
            out[name] = special[name](value)
        elif isinstance(field, serializers.Serializer):
            out[name] = given(value, field.fields)
        else:
            out[name] = leaf(field, value)
    return out


def struct_for(name: str, fields: Mapping[str, serializers.Field]) -> type[msgspec.Struct]:
    """A Struct with exactly the serializer's writable fields (unknown ones refused at every
    depth); leaf types are left to the DRF fields, nested serializers become nested Structs."""
    attrs: list[tuple[str, Any, Any]] = []
    for fname, field in fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.Serializer):
            typ: Any = struct_for(f"{name}_{fname}", field.fields) | msgspec.UnsetType
        else:
            typ = Any
        attrs.append((fname, typ, msgspec.UNSET))
    return msgspec.defstruct(name, attrs, forbid_unknown_fields=True)


def validated(
    payload: Any, lean: Callable[[Any], dict], serializer_class: type[serializers.Serializer]
) -> dict:
    """The lean result, or the serializer's (which raises the exact 400 when the body is bad)."""
    try:
        return lean(payload)
    except Refused:
        serializer = serializer_class(data=payload)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


__all__ = ["Refused", "given", "leaf", "lean_fields", "shape", "struct_for", "validated"]
