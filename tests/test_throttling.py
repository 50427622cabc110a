"""Per-IP throttles: the limit holds when a script fires requests in parallel, and Retry-After is true."""

import logging
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from occ.api.throttling import ScopedRateThrottle, _window_script


class _View:
    throttle_scope = "track"


def _request(ip="203.0.113.7"):
    request = RequestFactory().post("/api/v1/track/", REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


def _fire(n: int) -> list[tuple[bool, float | None]]:
    barrier = threading.Barrier(n)
    out: list[tuple[bool, float | None]] = []
    lock = threading.Lock()

    def one():
        throttle = ScopedRateThrottle()
        barrier.wait()
        allowed = throttle.allow_request(_request(), _View())
        with lock:
            out.append((allowed, None if allowed else throttle.wait()))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_parallel_guesses_get_exactly_the_limit_on_redis(throttle_rates):
    """clause: OCC-8 (guessing tracking codes stays throttled when requests arrive together: the
    window is checked and updated in one atomic step, and refused requests learn when to retry)"""
    if _window_script() is None:
        pytest.skip("needs the Redis cache (REDIS_CACHE_URL), as in production and the CI PostgreSQL pass")
    throttle_rates(track="5/min")
    results = _fire(24)
    assert sum(allowed for allowed, _ in results) == 5
    waits = [w for allowed, w in results if not allowed]
    assert len(waits) == 19 and all(0 < w <= 60 for w in waits)


def test_refused_requests_do_not_extend_the_window(throttle_rates, monkeypatch):
    """clause: OCC-8 (a client that keeps knocking is refused until its oldest admitted request
    leaves the window, then admitted again; denied knocks are not counted, as in DRF)"""
    throttle_rates(track="2/min")
    now = [1_000_000.0]
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: now[0])

    def ask():
        return ScopedRateThrottle().allow_request(_request(), _View())

    assert ask()  # t = 0
    now[0] += 30
    assert ask()  # t = 30: the limit is reached
    for _ in range(5):  # t = 35 .. 55: refused, and not counted
        now[0] += 5
        assert not ask()
    now[0] = 1_000_000.0 + 61  # the first request has left the window, the second has not
    assert ask()
    assert not ask()


def test_an_unreachable_redis_admits_the_request_and_warns(throttle_rates, monkeypatch):
    """clause: OCC-2 (a citizen can still file and track while the throttle store is down: the
    limit fails open and the operators are told; for a few seconds the store is not asked again,
    so a frozen Redis costs one request one socket timeout, not every request)"""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from occ.api import throttling

    asked = []

    def down(**kwargs):
        asked.append(1)
        raise RedisConnectionError("connection refused")

    class Kept(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.lines: list[str] = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    kept = Kept()
    throttling.log.addHandler(kept)
    monkeypatch.setattr(throttling, "_window_script", lambda: down)
    throttle_rates(track="1/min")
    try:
        assert ScopedRateThrottle().allow_request(_request(), _View())
        assert ScopedRateThrottle().allow_request(_request(), _View())
        assert len(asked) == 1  # the second request did not wait on the store
        monkeypatch.setattr(throttling, "_unreachable_until", 0.0)  # the breaker's seconds have passed
        assert ScopedRateThrottle().allow_request(_request(), _View())
    finally:
        throttling.log.removeHandler(kept)
    assert len(asked) == 2
    assert len(kept.lines) == 2 and "throttle store unreachable" in kept.lines[0]
    assert not any("203.0.113.7" in line for line in kept.lines)


def test_retry_after_is_never_longer_than_the_window(throttle_rates, monkeypatch):
    """clause: OCC-8 (Retry-After is true: a request whose clock was read just before another's
    reached Redis first is not told to wait longer than the window)"""
    if _window_script() is None:
        pytest.skip("needs the Redis cache (REDIS_CACHE_URL), as in production and the CI PostgreSQL pass")
    throttle_rates(track="1/min")
    now = [3_000_000.002]
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: now[0])
    assert ScopedRateThrottle().allow_request(_request("198.51.100.77"), _View())
    now[0] = 3_000_000.000  # read a moment before the admitted one's, arriving after it
    late = ScopedRateThrottle()
    assert not late.allow_request(_request("198.51.100.77"), _View())
    assert late.wait() == 60
