"""Property tests (hypothesis) for the text-safety helper, the e-mail parser and the JSON body
validator: whatever the input, the output is safe for PostgreSQL and nothing raises (issue 17).

clause: OCC-8"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_intake.email.parsing import message_id_of, parse_message
from occ.api.errors import ApiError
from occ.api.parsers import json_body_load
from occ.text import safe_json, safe_line, safe_text, text_problem

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=3000)


def _db_safe(text: str) -> bool:
    return text_problem(text) is None


@FAST
@given(ANY_TEXT, st.integers(min_value=1, max_value=5000))
def test_safe_text_is_always_storable_idempotent_and_bounded(value, max_length):
    out = safe_text(value, max_length=max_length)
    assert _db_safe(out) and len(out) <= max_length
    assert all(len(line) <= 2000 for line in out.split("\n"))
    assert safe_text(out, max_length=max_length) == out
    out.encode("utf-8")  # no lone surrogate survives


@FAST
@given(ANY_TEXT)
def test_safe_text_keeps_ordinary_text_as_it_is(value):
    clean = "".join(ch for ch in value if text_problem(ch) is None and ch != "\r")[:1500]
    assert safe_text(clean) == clean


@FAST
@given(ANY_TEXT)
def test_safe_line_is_one_line(value):
    out = safe_line(value, max_length=200)
    assert "\n" not in out and _db_safe(out) and len(out) <= 200


@FAST
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | ANY_TEXT,
        lambda c: st.lists(c) | st.dictionaries(ANY_TEXT, c),
        max_leaves=20,
    )
)
def test_safe_json_is_storable_in_jsonb(value):
    out = safe_json(value)
    text = json.dumps(out, ensure_ascii=False)
    assert "\\u0000" not in text
    text.encode("utf-8")


HEADER_VALUE = st.binary(max_size=300)


@FAST
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [b"From", b"Subject", b"Message-ID", b"To", b"Content-Type", b"Date", b"X-Originating-IP"]
            ),
            HEADER_VALUE,
        ),
        max_size=8,
    ),
    st.binary(max_size=2000),
)
def test_the_email_parser_never_raises_and_gives_safe_text(headers, body):
    raw = (
        b"\r\n".join(name + b": " + value.replace(b"\n", b" ") for name, value in headers)
        + b"\r\n\r\n"
        + body
    )
    mail = parse_message(raw)
    for text in (
        mail.from_address,
        mail.from_name,
        mail.subject,
        mail.message_id,
        mail.body,
        *mail.recipients,
    ):
        assert _db_safe(text)
    assert _db_safe(message_id_of(raw))


@FAST
@given(st.binary(max_size=3000))
def test_the_email_parser_survives_any_bytes(raw):
    mail = parse_message(raw)
    assert _db_safe(mail.body) and _db_safe(mail.subject)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | ANY_TEXT,
    lambda c: st.lists(c, max_size=5) | st.dictionaries(ANY_TEXT, c, max_size=5),
    max_leaves=30,
)


@pytest.mark.django_db
@FAST
@given(JSONISH)
def test_the_body_validator_accepts_only_safe_text_and_never_raises_otherwise(value):
    raw = json.dumps(value).encode()
    try:
        out = json_body_load(raw)
    except ApiError as exc:
        assert exc.status_code == 400 and exc.error_code in ("validation_error", "body_too_complex")
        return
    assert out == value
    assert all(_db_safe(s) for s in _strings(out))


@FAST
@given(st.binary(max_size=2000) | st.integers(1, 200).map(lambda n: b"[" * n * 50))
def test_the_body_validator_refuses_any_bytes_with_a_400(raw):
    try:
        json_body_load(raw)
    except ApiError as exc:
        assert exc.status_code == 400


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
