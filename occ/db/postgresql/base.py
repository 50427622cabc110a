"""Django's PostgreSQL backend, with its connection health check skipped for a connection that
passed it or served a request moments ago.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request on
a persistent connection: a round trip and a statement for each request (for the citizen's look-up,
one statement in three). The check exists for connections that went bad while idle (a database
restart or fail-over, a firewall that drops idle connections). Here it runs only when the
connection has been idle for ``HEALTH_CHECK_IDLE_SECONDS`` (settings: DATABASES["default"], from
DATABASE_HEALTH_CHECK_IDLE_SECONDS; 0 keeps Django's check before every request), as PgBouncer's
``server_check_delay`` does. A connection that breaks inside that window fails that one request;
Django then finds the error and drops the connection after it, as for any broken connection, and
the next request reconnects. Everything else is Django's own backend.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    _occ_checked_at: float | None = None

    def close_if_health_check_failed(self):
        if self.connection is not None and self.health_check_enabled and not self.health_check_done:
            idle_allowed = float(self.settings_dict.get("HEALTH_CHECK_IDLE_SECONDS") or 0)
            now = time.monotonic()
            last = self._occ_checked_at
            self._occ_checked_at = now
            if idle_allowed > 0 and last is not None and now - last < idle_allowed:
                self.health_check_done = True  # used moments ago: no SELECT 1 this request
                return
        super().close_if_health_check_failed()

    def connect(self):
        super().connect()
        self._occ_checked_at = time.monotonic()  # a new connection needs no check
