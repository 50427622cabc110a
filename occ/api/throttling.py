"""Per-IP rate limits that hold under concurrency, in one round trip.

DRF's ``SimpleRateThrottle`` reads a list of timestamps from the cache and writes it back: two
round trips, and two requests arriving together both read the same list, so a script firing in
parallel gets past the limit (for tracking codes that is exactly the guessing we throttle). On
Redis (production, and the CI pass with REDIS_CACHE_URL) the sliding window is one Lua script: it
drops old entries, counts, and admits or refuses atomically, and tells the client when the oldest
entry leaves the window (Retry-After). Refused requests are not counted, as in DRF. Any other
cache (the embedded default's local memory) keeps DRF's own behaviour. If Redis cannot be reached
the request is admitted and a warning logged (fail open; see the note in allow_request), and for
the next few seconds this process does not ask it again (a frozen Redis costs one request one
socket timeout, not every request one each).
"""

from __future__ import annotations

import logging
import secrets
import time

from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework import throttling

log = logging.getLogger(__name__)

_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"""

_script = None
_unreachable_until = 0.0  # monotonic time until which the store is taken to be away
BREAKER_SECONDS = 5.0


def _window_script():
    """The registered script on the cache's Redis, or None when the cache is not Redis."""
    global _script
    if _script is None:
        from django_redis import get_redis_connection  # a pinned dependency
        from django_redis.cache import RedisCache

        if not isinstance(caches["default"], RedisCache):
            return None
        _script = get_redis_connection("default").register_script(_WINDOW)
    return _script


class AtomicWindowMixin(throttling.SimpleRateThrottle):
    """Replace the read-modify-write of the timestamp list by one atomic step on Redis."""

    def allow_request(self, request, view):
        script = _window_script()
        if script is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        global _unreachable_until
        if time.monotonic() < _unreachable_until:
            return True  # the store was unreachable a moment ago: admitted, as below
        now_ms = int(self.timer() * 1000)
        try:
            allowed, wait_ms = script(
                keys=[caches["default"].make_key(self.key)],
                args=[now_ms, self.duration * 1000, self.num_requests, f"{now_ms}-{secrets.token_hex(6)}"],
            )
        except RedisError as exc:
            # Fail open: a citizen's complaint matters more than the limit while Redis is away (the
            # tracking code's 80 bits still stand against guessing). Logged for the operators.
            log.warning("throttle store unreachable (%s); request admitted", type(exc).__name__)
            _unreachable_until = time.monotonic() + BREAKER_SECONDS
            return True
        # never longer than the window: a request whose clock was read just before another's
        # reached Redis first sees that one's later timestamp as the oldest
        self._wait_seconds = min(max(int(wait_ms), 0), self.duration * 1000) / 1000
        return bool(allowed)

    def wait(self):
        if hasattr(self, "_wait_seconds"):
            return self._wait_seconds
        return super().wait()


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicWindowMixin):
    """DRF's per-view scope and rates (settings DEFAULT_THROTTLE_RATES), atomic on Redis."""
