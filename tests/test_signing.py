"""One signing module (issue 13): Standard Webhooks out, one check with key rotation and a replay
guard for every machine client in, one derivation of encryption keys (clause: OCC-8: what is
disclosed goes only where it is meant to, and the recipient can tell it came from the centre)."""

import base64
import hashlib
import hmac
import importlib.util
import json
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Agency, Complaint, Role
from occ.signing import inbound, tasks, webhooks
from occ.signing.keys import key_id, sealing_fernet
from occ.signing.models import SignedRequestNonce
from routing.delivery import webhook_headers
from routing.models import Referral
from routing.referrals import referral_create
from tests.channels_intake.email.conftest import mime
from tests.routing.test_referral_delivery import Receiver

# The published test vector of the Standard Webhooks libraries (libraries/go/webhook_test.go and
# the JavaScript, Java and C# tests of github.com/standard-webhooks/standard-webhooks).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

needs_library = pytest.mark.skipif(
    importlib.util.find_spec("standardwebhooks") is None,
    reason="standardwebhooks (dev dependency) not installed",
)


# --- outbound: Standard Webhooks --------------------------------------------------------------------


def test_the_signature_matches_the_specifications_test_vector():
    """clause: OCC-8"""
    h = webhooks.headers(secret=VECTOR_SECRET, msg_id=VECTOR_ID, body=VECTOR_BODY, timestamp=VECTOR_TS)
    assert h == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TS),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert webhooks.verify(secret=VECTOR_SECRET, headers=h, body=VECTOR_BODY, now=VECTOR_TS + 10) == VECTOR_ID


def test_a_new_secret_is_whsec_base64_of_32_random_bytes():
    secret = webhooks.secret_new()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert webhooks.secret_new() != secret


def test_verification_refuses_a_changed_body_id_timestamp_or_key():
    """clause: OCC-8"""
    secret, body = webhooks.secret_new(), b'{"reference": "OCC-2026-000001"}'
    h = webhooks.headers(secret=secret, msg_id="d-1", body=body)
    assert webhooks.verify(secret=secret, headers=h, body=body) == "d-1"
    for changed in (
        {"headers": h, "body": body + b" "},
        {"headers": {**h, "webhook-id": "d-2"}, "body": body},
        {"headers": {**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, "body": body},
        {"headers": {**h, "webhook-timestamp": str(int(time.time()) - 3600)}, "body": body},
        {"headers": {k: v for k, v in h.items() if k != "webhook-signature"}, "body": body},
    ):
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(secret=secret, **changed)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(secret=webhooks.secret_new(), headers=h, body=body)
    with pytest.raises(ValueError):
        webhooks.headers(secret=secret, msg_id="a.b", body=body)  # the spec forbids '.' in the id


def test_rotation_signs_with_the_new_and_the_old_secret_until_the_old_is_retired():
    old = webhooks.secret_new()
    rotating = webhooks.secret_rotated(old)
    new = rotating.split()[0]
    h = webhooks.headers(secret=rotating, msg_id="d-1", body=b"{}")
    assert len(h["webhook-signature"].split()) == 2
    # an agency that still holds the old secret verifies, and so does one that moved to the new
    assert webhooks.verify(secret=old, headers=h, body=b"{}") == webhooks.verify(
        secret=new, headers=h, body=b"{}"
    )
    retired = webhooks.secret_retired(rotating)
    assert retired == new
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(
            secret=old, headers=webhooks.headers(secret=retired, msg_id="d-2", body=b"{}"), body=b"{}"
        )


def test_an_agency_with_a_secret_from_before_keeps_its_headers_and_gets_the_standard_ones():
    """The migration path: a secret without the whsec_ prefix is the raw HMAC key; the X-OCC-*
    headers are still sent to such an agency (docs/agency-webhooks.md)."""
    h = webhook_headers(
        secret="shared-secret-for-tests", delivery_id="d-9", body=b"{}", timestamp=1_700_000_000
    )
    legacy = hmac.new(b"shared-secret-for-tests", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert h["X-OCC-Signature"] == f"sha256={legacy}" and h["X-OCC-Delivery"] == "d-9"
    raw = hmac.new(b"shared-secret-for-tests", b"d-9.1700000000.{}", hashlib.sha256).digest()
    assert h["webhook-signature"] == "v1," + base64.b64encode(raw).decode()
    modern = webhook_headers(secret=webhooks.secret_new(), delivery_id="d-9", body=b"{}")
    assert {"webhook-id", "webhook-timestamp", "webhook-signature", "X-OCC-Kind"} <= set(modern)
    assert "X-OCC-Signature" not in modern and "X-OCC-Timestamp" not in modern


@needs_library
def test_the_specifications_python_library_verifies_our_signatures():
    """clause: OCC-8 (an agency verifies with the Standard Webhooks library as it is)"""
    from standardwebhooks import Webhook

    secret = webhooks.secret_new()
    body = json.dumps({"reference": "OCC-2026-000001", "ชื่อ": "ทดสอบ"}, ensure_ascii=False).encode()
    h = webhook_headers(secret=secret, delivery_id="0b6c3f0e-7a53-4d1c-9d7e-2f1ad8c2b7a4", body=body)
    assert Webhook(secret).verify(body, h)["reference"] == "OCC-2026-000001"
    rotating = webhooks.secret_rotated(secret)
    assert Webhook(secret).verify(body, webhook_headers(secret=rotating, delivery_id="x-1", body=body))
    # a secret from before the whsec_ format: the library takes its bytes as the key
    legacy = webhook_headers(secret="shared-secret-for-tests", delivery_id="x-2", body=body)
    assert Webhook(b"shared-secret-for-tests").verify(body, legacy)


@pytest.mark.django_db
def test_a_referral_reaches_the_agency_signed_to_the_standard(
    demo, file_complaint, user_factory, settings, django_capture_on_commit_callbacks
):
    """clause: OCC-7, OCC-8"""
    receiver = Receiver()
    try:
        secret = webhooks.secret_new()
        Agency.objects.filter(code="ccib").update(
            delivery_method="webhook", webhook_url=receiver.url, webhook_secret=secret
        )
        case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
        with django_capture_on_commit_callbacks(execute=True):
            referral_create(
                complaint=case,
                agency=Agency.objects.get(code="ccib"),
                purpose="investigation",
                basis="related_agency",
                actor=user_factory(Role.AGENT, "agent-standard"),
            )
        ref = Referral.objects.get()
        assert ref.state == "delivered"
        headers, body = receiver.requests[0]
        assert webhooks.verify(secret=secret, headers=headers, body=body) == str(ref.delivery_id)
        assert "X-OCC-Signature" not in headers and headers["X-OCC-Kind"] == "referral"
    finally:
        receiver.close()


# --- inbound: every machine client ----------------------------------------------------------------


def _meta(headers: dict) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


@pytest.fixture
def gateway(demo, settings):
    settings.OCC_MAIL_GATEWAY_SECRETS = ["gateway-new", "gateway-old"]
    settings.OCC_MAIL_GATEWAY_SECRET = ""
    client = APIClient()

    def post(raw: bytes, headers: dict):
        return client.post("/api/v1/intake/email/", raw, content_type="message/rfc822", **_meta(headers))

    return post


@pytest.mark.django_db
def test_the_mail_gateway_rotates_keys_and_refuses_a_replay(gateway, settings):
    """clause: OCC-8 (issue 13: the mail gateway gains key rotation and the replay guard)"""
    raw_new, raw_old = mime(message_id="<rot-1@x>"), mime(message_id="<rot-2@x>")
    assert gateway(raw_new, inbound.body_headers("gateway-new", raw_new)).status_code == 200
    signed_old = inbound.body_headers("gateway-old", raw_old)
    assert gateway(raw_old, signed_old).status_code == 200  # both keys during the rotation
    replay = gateway(raw_old, signed_old)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed_request"
    assert SignedRequestNonce.objects.count() == 2
    # the key id, when sent, names the one key to check
    raw = mime(message_id="<rot-3@x>")
    named = inbound.body_headers("gateway-old", raw, with_key_id=True)
    assert named["X-OCC-Key-Id"] == key_id("gateway-old")
    wrong = {**named, "X-OCC-Key-Id": key_id("gateway-new")}
    assert gateway(raw, wrong).json()["error"]["code"] == "bad_signature"
    assert gateway(raw, named).status_code == 200
    # the old key removed: refused
    settings.OCC_MAIL_GATEWAY_SECRETS = ["gateway-new"]
    raw = mime(message_id="<rot-4@x>")
    assert gateway(raw, inbound.body_headers("gateway-old", raw)).json()["error"]["code"] == "bad_signature"
    assert Complaint.objects.count() == 3


@pytest.mark.django_db
def test_the_single_secret_of_earlier_releases_still_signs(gateway, settings):
    settings.OCC_MAIL_GATEWAY_SECRETS = []
    settings.OCC_MAIL_GATEWAY_SECRET = "gateway-single"
    raw = mime(message_id="<single@x>")
    assert gateway(raw, inbound.body_headers("gateway-single", raw)).status_code == 200
    settings.OCC_MAIL_GATEWAY_SECRET = ""
    r = gateway(raw, inbound.body_headers("gateway-single", raw))
    assert r.status_code == 503 and r.json()["error"]["code"] == "not_configured"


@pytest.mark.django_db
def test_every_machine_client_is_checked_by_the_one_module():
    assert set(inbound.CLIENTS) == {"mail_gateway", "pbx", "fax_gateway"}


@pytest.mark.django_db
def test_the_purge_keeps_nonces_for_twice_the_largest_skew(settings):
    settings.OCC_MACHINE_MAX_SKEW_SECONDS = 300
    settings.OCC_MAIL_GATEWAY_MAX_SKEW_SECONDS = 900
    for digest, age in (("a" * 64, 1000), ("b" * 64, 1900)):
        SignedRequestNonce.objects.create(digest=digest)
        SignedRequestNonce.objects.filter(digest=digest).update(
            seen_at=timezone.now() - timedelta(seconds=age)
        )
    assert tasks.signed_request_nonces_purge() == 1
    assert list(SignedRequestNonce.objects.values_list("digest", flat=True)) == ["a" * 64]


# --- one derivation of encryption keys --------------------------------------------------------------


def test_values_sealed_before_the_one_derivation_still_open(settings):
    """Idempotency answers (HKDF, unchanged) and e-mail acknowledgement secrets in the outbox
    (the earlier SHA-256 derivation, accepted for decryption) sealed by the previous release."""
    secret_key = settings.SECRET_KEY.encode()
    idem = HKDF(algorithm=hashes.SHA256(), length=32, salt=secret_key, info=b"occ-idempotency").derive(
        b"key-1"
    )
    old_idem = Fernet(base64.urlsafe_b64encode(idem)).encrypt(b"answer")
    assert sealing_fernet("idempotency", b"key-1").decrypt(old_idem) == b"answer"
    ack = hashlib.sha256(b"occ-email-ack|" + secret_key).digest()
    old_ack = Fernet(base64.urlsafe_b64encode(ack)).encrypt(b"code|token")
    assert sealing_fernet("email-ack").decrypt(old_ack) == b"code|token"


def test_a_rotated_secret_key_still_opens_what_it_sealed(settings):
    sealed = sealing_fernet("email-ack").encrypt(b"x")
    other = sealing_fernet("idempotency", b"k").encrypt(b"y")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-0123456789"
    assert sealing_fernet("email-ack").decrypt(sealed) == b"x"
    assert sealing_fernet("idempotency", b"k").decrypt(other) == b"y"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(Exception):
        sealing_fernet("email-ack").decrypt(sealed)
    # purposes are separate keys
    with pytest.raises(Exception):
        sealing_fernet("idempotency").decrypt(sealing_fernet("email-ack").encrypt(b"z"))


def test_rotating_twice_keeps_two_secrets_that_fit_the_agency_field():
    """A second rotation before a retire keeps the new and the newest current secret only, so the
    stored field never outgrows Agency.webhook_secret (128 characters)."""
    from complaints.models import Agency

    first = webhooks.secret_new()
    once = webhooks.secret_rotated(first)
    twice = webhooks.secret_rotated(once)
    assert len(twice.split()) == 2 and twice.split()[1] == once.split()[0]
    assert len(twice) <= Agency._meta.get_field("webhook_secret").max_length
    with pytest.raises(ValueError):
        webhooks.secret_rotated("x" * 100)
