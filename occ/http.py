"""The client's address as this installation can trust it, and which paths are the citizens' API."""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings


def client_ip(request) -> str | None:
    """The client address, trusting X-Forwarded-For only for as many proxies as configured
    (REST_FRAMEWORK["NUM_PROXIES"], as DRF's throttles do): with none, the socket's peer; with
    N, the address the N-th proxy from us saw. A client cannot choose what is recorded."""
    proxies = _trusted_proxies()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return _address(hops[-min(proxies, len(hops))])
    return request.META.get("REMOTE_ADDR") or None


_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")


def _address(hop: str) -> str | None:
    """The address in a proxy's hop: some proxies add the client's port ("203.0.113.5:4711",
    "[2001:db8::1]:443"), which is taken off; a hop that is no address ("unknown", a name) is
    None, recorded as no address rather than failing the row that records it."""
    if _IPV4.fullmatch(hop):  # the common case, without ipaddress's parse
        return hop
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        ipaddress.ip_address(hop)
    except ValueError:
        return None
    return hop


def behind_proxies() -> bool:
    return _trusted_proxies() > 0


def _trusted_proxies() -> int:
    return settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0


# JSON endpoints with no authentication at all (occ.api.views.PublicAPIView): their own middleware
# chain (occ.handlers) and the CitizenSkip* middleware (occ.middleware).
CITIZEN_API_PREFIXES = ("/api/v1/complaints/", "/api/v1/track/", "/api/v1/categories/")


def is_citizen_api(request) -> bool:
    return request.path_info.startswith(CITIZEN_API_PREFIXES)
