"""GET /health/: readiness for monitoring, naming what is down and nothing more."""

import pytest

from occ import health

pytestmark = pytest.mark.django_db


def test_ready_when_database_cache_and_broker_answer(client):
    """clause: OCC-8 (operators can see the service is whole; the answer reveals no hosts or errors)"""
    r = client.get("/health/")
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    body = r.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "cache", "broker"}
    assert all(c["status"] == "ok" for c in body["checks"].values())
    assert not r.cookies


def test_a_part_that_is_down_gives_503_naming_it_without_its_error(client, monkeypatch):
    """clause: OCC-8 (a dead cache or broker is visible to monitoring at once, even though the
    throttle fails open and tasks are swept later; the error text stays in the server's log)"""

    def down():
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setitem(health.PROBES, "cache", down)
    r = client.get("/health/")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["checks"]["cache"]["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"
    assert "secret-host" not in r.content.decode()


def test_an_unreachable_broker_is_reported(client, settings):
    """clause: OCC-8 (with tasks on a broker, as in production, a broker nobody answers on is named)"""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    r = client.get("/health/")
    assert r.status_code == 503 and r.json()["checks"]["broker"]["status"] == "unavailable"
    assert r.json()["checks"]["broker"]["ms"] < 3000
