"""How bytes reach an agency: the signed webhook, the e-mail, the claim and back-off shared by
referrals and recipient notices, and the one place a delivery is queued.

Nothing here decides what may leave: callers pass bytes the disclosure gate produced a moment
before (a referral) or bytes with no personal data (a notice)."""

from __future__ import annotations

import http.client
import os
import select
import ssl
import time
import urllib.request
from datetime import datetime, timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from complaints.models import Agency
from occ import outbox
from occ.signing import webhooks

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


class TransientDeliveryError(Exception):
    pass


class PermanentDeliveryError(Exception):
    pass


def delivery_enqueue(task, pk: int) -> None:
    """Queue one delivery: an outbox row in the surrounding transaction (occ.outbox), handed to
    the broker by the relay after commit; the one place a delivery is queued."""
    outbox.enqueue(task, pk)


def claim(model, pk: int, pending_states: list[str], *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Conditional claim of one outbox row: pending/retrying, or sending with an expired lease.
    One UPDATE whose text is built once per model (what
    ``filter(Q(state__in=...) | Q(state="sending", claimed_at__lt=lease)).update(...)`` writes)."""
    sql, params, _ = claim_statement(model, pk, pending_states, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def claim_statement(
    model, pk: int, pending_states: list[str], *, using: str = DEFAULT_DB_ALIAS
) -> tuple[str, list, datetime]:
    """(the claim's UPDATE, its parameters, the claim time it stamps), for ``claim`` or for a
    caller that runs it as part of one statement (``UPDATE ... RETURNING`` in a CTE)."""
    now = timezone.now()
    lease = now - timedelta(seconds=settings.OCC_DELIVERY_LEASE_SECONDS)
    connection = connections[using]
    field = model._meta.get_field("claimed_at")
    stamps = [field.get_db_prep_save(v, connection=connection) for v in (now, lease)]
    return (
        _claim_sql(model, len(pending_states), connection),
        [stamps[0], pk, *pending_states, "sending", stamps[1]],
        now,
    )


_CLAIMS: dict[tuple, str] = {}


def _claim_sql(model, states: int, connection) -> str:
    key = (model, states, connection.vendor)
    found = _CLAIMS.get(key)
    if found is None:
        meta, qn = model._meta, connection.ops.quote_name

        def col(name: str) -> str:
            return qn(meta.get_field(name).column)

        found = _CLAIMS[key] = (
            f"UPDATE {qn(meta.db_table)} SET {col('state')} = 'sending', {col('claimed_at')} = %s, "  # noqa: S608 - names from the model
            f"{col('attempts')} = {col('attempts')} + 1 WHERE {col('id')} = %s AND "
            f"({col('state')} IN ({', '.join(['%s'] * states)}) "
            f"OR ({col('state')} = %s AND {col('claimed_at')} < %s))"
        )
    return found


def due(model, now=None) -> list[int]:
    """Rows whose retry time has come, and deliveries whose worker died mid-way."""
    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.OCC_DELIVERY_LEASE_SECONDS)
    return list(
        model.objects.filter(
            Q(state="retrying", next_attempt_at__lte=now)
            | Q(state="sending", claimed_at__lt=lease)
            | Q(state="pending", created_at__lt=lease)
        ).values_list("id", flat=True)[:500]
    )


def backoff(attempts: int, *, permanent: bool):
    """(final, next attempt time) after a failed attempt."""
    final = permanent or attempts >= settings.OCC_DELIVERY_MAX_ATTEMPTS
    delay = settings.OCC_DELIVERY_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    return final, None if final else timezone.now() + timedelta(seconds=delay)


def webhook_headers(
    *, secret: str, delivery_id: str, body: bytes, timestamp: int | None = None, kind: str = "referral"
) -> dict[str, str]:
    """Standard Webhooks headers (occ.signing.webhooks; the delivery id is the webhook-id), and
    the earlier X-OCC-* ones while the agency's secret predates the whsec_ format."""
    ts = timestamp if timestamp is not None else int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-OCC-Kind": kind,
        **webhooks.headers(secret=secret, msg_id=delivery_id, body=body, timestamp=ts),
    }
    if webhooks.is_legacy(secret):
        headers.update(webhooks.legacy_headers(secret=secret, msg_id=delivery_id, body=body, timestamp=ts))
    return headers


_CLIENT: tuple[int, httpx.Client] | None = None


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing (the shared client posts to every agency)."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))


def _http_client() -> httpx.Client:
    """One client per process (a forked worker makes its own): building one loads the CA bundle
    (~20-40 ms of CPU), and its pool keeps connections to agencies alive between deliveries."""
    global _CLIENT
    if _CLIENT is None or _CLIENT[0] != os.getpid():
        # no cookie jar: one agency's Set-Cookie must never ride along to another's endpoint
        _CLIENT = (os.getpid(), httpx.Client(follow_redirects=False, cookies=_NoCookies()))
    return _CLIENT[1]


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(settings.OCC_WEBHOOK_READ_TIMEOUT, connect=settings.OCC_WEBHOOK_CONNECT_TIMEOUT)


# --- the lean path: one keep-alive connection per agency endpoint and process -----------------------
# What httpx does for a POST, in a tenth of its CPU (the worker's largest cost after the database):
# the same TLS context (httpx's own, with its CA bundle and SSL_CERT_FILE/DIR), the connect timeout
# for the connection and the TLS handshake and the read timeout for the rest, no redirect followed
# (a 3xx is permanent, as before), no cookie kept, the response read to its end. httpx itself is
# used when the environment names a proxy (httpx honours HTTP(S)_PROXY/ALL_PROXY; this path does
# not), for a URL with credentials in it (httpx sends them as Basic auth) or for a scheme other
# than http/https.

_CONNECTIONS: dict[tuple[int, str, str, int], http.client.HTTPConnection] = {}
_TLS: tuple[int, ssl.SSLContext] | None = None
# Endpoints (scheme, host, port) that answered with an informational status first: through httpx.
_INFORMATIONAL: set[tuple[str, str, int]] = set()
_PROXIED: bool | None = None
USER_AGENT = "1212-OCC-webhooks"
# The agency's answer is read up to this many bytes (only its status counts); a longer one is
# not read on: its connection is closed instead of kept.
ANSWER_READ_MAX = 64 * 1024


def _proxied() -> bool:
    global _PROXIED
    if _PROXIED is None:
        found = urllib.request.getproxies()
        _PROXIED = any(k in found for k in ("http", "https", "all"))
    return _PROXIED


def _tls() -> ssl.SSLContext:
    global _TLS
    if _TLS is None or _TLS[0] != os.getpid():
        _TLS = (os.getpid(), httpx.create_ssl_context())  # httpx's default context, built once
    return _TLS[1]


def _idle_closed(conn: http.client.HTTPConnection) -> bool:
    """A kept connection the other end closed (or sent something unasked on) while idle: readable
    before we wrote anything (httpcore checks the same before reusing one)."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


# What a kept connection the other end closed meanwhile gives (never a timeout: not resent).
_CLOSED_UNDER_US = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _failed(exc: BaseException) -> str:
    """A transport failure as the delivery's stored error."""
    return f"{type(exc).__name__}: {exc}"[:500]


def _endpoint(parts) -> tuple[str, str, int]:
    """(scheme, host, port) of a split URL: what a kept connection is for."""
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _post_lean(url: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    endpoint = _endpoint(parts)
    scheme, host, port = endpoint
    key = (os.getpid(), *endpoint)
    connect_timeout, read_timeout = settings.OCC_WEBHOOK_CONNECT_TIMEOUT, settings.OCC_WEBHOOK_READ_TIMEOUT
    conn = _CONNECTIONS.pop(key, None)  # ours while in use
    if conn is not None and _idle_closed(conn):
        conn.close()
        conn = None
    reused = conn is not None
    try:
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=_tls())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
            conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(read_timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not target.isascii():  # a Thai path or query: percent-encoded (UTF-8) as httpx sends it
            target = httpx.URL(url).raw_path.decode("ascii")
        conn.request("POST", target, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        response.read(ANSWER_READ_MAX)
    except http.client.InvalidURL as exc:
        if conn is not None:
            conn.close()
        raise PermanentDeliveryError(_failed(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        if conn is not None:
            conn.close()
        if reused and isinstance(exc, _CLOSED_UNDER_US):
            # the agency closed the kept connection as we wrote on it (after the idle check):
            # once more at once on a new one, with the same webhook-id, as a retry would send it
            return _post_lean(url, body, headers)
        raise TransientDeliveryError(_failed(exc)) from exc
    if 100 <= response.status < 200:
        # an informational answer (103 Early Hints) that http.client takes for the final one:
        # httpx (h11) reads past it; this endpoint's POSTs go through httpx from now on, this one
        # at once, with the same webhook-id, as a retry would send it
        conn.close()
        _INFORMATIONAL.add(endpoint)
        return _post_httpx(url, body, headers)
    if response.will_close or not response.isclosed():  # closing, or an answer longer than read
        conn.close()
    else:
        _CONNECTIONS[key] = conn
    return response.status


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the status code. Transport failures raise TransientDeliveryError."""
    parts = urlsplit(url)
    if (
        not _proxied()
        and parts.scheme in ("http", "https")
        and parts.username is None
        and parts.password is None
        and _endpoint(parts) not in _INFORMATIONAL
    ):
        return _post_lean(url, body, headers)
    return _post_httpx(url, body, headers)


def _post_httpx(url: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        response = _http_client().post(url, content=body, headers=headers, timeout=_timeout())
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise TransientDeliveryError(_failed(exc)) from exc
    return response.status_code


def webhook_post(agency: Agency, *, delivery_id: str, body: bytes, kind: str = "referral") -> int:
    if not agency.webhook_url or not agency.webhook_secret:
        # stored as the delivery's error (evidence): kept in English, translated where shown
        raise PermanentDeliveryError(gettext_noop("the agency has no webhook URL or secret configured"))
    try:
        headers = webhook_headers(secret=agency.webhook_secret, delivery_id=delivery_id, body=body, kind=kind)
    except ValueError as exc:
        raise PermanentDeliveryError(
            gettext_noop("the agency's webhook secret is not a valid whsec_ secret")
        ) from exc
    try:
        status = _post(agency.webhook_url, body, headers)
    except (ValueError, httpx.InvalidURL) as exc:  # a URL no request can be made of (an invalid IDN)
        raise PermanentDeliveryError(_failed(exc)) from exc
    if 200 <= status < 300:
        return status
    if status in TRANSIENT_STATUS:
        raise TransientDeliveryError(f"HTTP {status}")
    raise PermanentDeliveryError(f"HTTP {status}")


def email_send(
    agency: Agency, *, subject: str, text: str, delivery_id: str, filename: str, body: bytes, kind: str
) -> int:
    if not agency.delivery_email:
        raise PermanentDeliveryError(gettext_noop("the agency has no designated e-mail address"))
    message = EmailMessage(
        subject=subject,
        body=text,
        to=[agency.delivery_email],
        headers={"X-OCC-Delivery": delivery_id, "X-OCC-Kind": kind},
    )
    message.attach(filename, body, "application/json")
    try:
        message.send()
    except OSError as exc:
        raise TransientDeliveryError(_failed(exc)) from exc
    return 250
