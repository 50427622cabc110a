import io
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import Agency, Category, Role, User
from interfaces.demo import demo_load

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The project's shared documents (MISSION.md, the Open311 schemas): ``../shared`` beside the
    repository, as in CI; ``OCC_SHARED_DIR`` overrides it, and a worktree one level deeper
    (``wt/<name>``) finds the shared folder beside its parent."""
    if os.environ.get("OCC_SHARED_DIR"):
        return Path(os.environ["OCC_SHARED_DIR"])
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "MISSION.md").exists():
            return candidate
    return ROOT.parent / "shared"


def pytest_collection_modifyitems(config, items):
    _clauses_collect(config, items)
    if os.environ.get("CELERY_BROKER_URL"):
        return
    skip = pytest.mark.skip(reason="needs CELERY_BROKER_URL and a running Celery worker")
    for item in items:
        if "worker" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_cache_and_media(settings, tmp_path):
    """Throttle counters live in the cache; evidence goes to a per-test folder; process-local
    copies (mail rules) are dropped because a rolled-back test sends no signal."""
    from channels_intake.email.processing import rules_forget
    from occ.api import throttling
    from occ.refcache import forget_all

    rules_forget()
    forget_all()  # per-process copies of reference data (categories, policy versions)
    throttling._unreachable_until = 0.0  # a test that took the store down leaves no breaker open
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    demo_load(with_users=False)


@pytest.fixture
def category(demo):
    return Category.objects.get(code="online_shopping")


@pytest.fixture
def api():
    return APIClient()


def make_user(role: str, username: str | None = None, agency: Agency | None = None) -> User:
    if role == Role.AGENCY_OFFICER and agency is None:
        agency = Agency.objects.first() or Agency.objects.create(code="x", name_th="x", name_en="x")
    return User.objects.create_user(
        username=username or role, password="pw-not-used-1212", role=role, agency=agency
    )


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture
def staff_api(db, demo):
    """APIClient logged in as a user of the given role (force-authenticated)."""

    def _client(role: str, username: str | None = None, agency: Agency | None = None):
        user = make_user(role, username, agency)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return _client


def png_bytes(size=(8, 8), color=(200, 10, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (evidence PDFs are opened with pdfium; a page count of zero is refused)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (32, 32), 255).save(buf, "PDF")
    return buf.getvalue()


def complaint_body(**overrides):
    body = {
        "category": "online_shopping",
        "channel": "web",
        "description": "สั่งซื้อโทรศัพท์มือถือจากเพจเฟซบุ๊กแล้วไม่ได้รับสินค้า",
        "complainant": {"name": "สมชาย ใจดี", "phone": "081 234 5678", "email": "Somchai@Example.COM"},
        "anonymous": False,
        "incident": {"website_url": "https://scam-shop.example/item/1", "amount_lost": "1500.00"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def file_complaint(api, category):
    """File a complaint through the public API and return the JSON answer."""

    def _file(**overrides):
        response = api.post("/api/v1/complaints/", complaint_body(**overrides), format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return _file


@pytest.fixture
def throttle_rates(monkeypatch):
    """Set per-scope throttle rates for one test (restored afterwards)."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    def _set(**rates):
        monkeypatch.setattr(
            ScopedRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, **rates}
        )

    return _set


# --- clause report: `make test` ends with the number of tests citing each seed clause ------------
_CITED: dict[str, set[str]] = {}
_CLAUSE_TEST_RAN: list[str] = []  # non-empty when the run includes tests/test_clauses.py


def _clauses_collect(config, items) -> None:
    from tests.clauses import ids_in_docstring

    _CITED.clear()
    _CLAUSE_TEST_RAN[:] = [i.nodeid for i in items if i.nodeid.startswith("tests/test_clauses.py")]
    for item in items:
        ids = ids_in_docstring(getattr(getattr(item, "obj", None), "__doc__", None))
        for marker in item.iter_markers("clause"):
            ids += [str(a) for a in marker.args]
        test = item.nodeid.split("[", 1)[0]  # a parametrised test counts once
        for clause in ids:
            _CITED.setdefault(clause, set()).add(test)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _CITED:
        return
    from tests.clauses import mission_clauses

    mission = shared_dir() / "MISSION.md"
    order = mission_clauses(mission) if mission.exists() else []
    ids = order + sorted(set(_CITED) - set(order))
    terminalreporter.section("tests per seed clause")
    terminalreporter.write_line("  ".join(f"{c} {len(_CITED.get(c, ()))}" for c in ids))
    missing = [c for c in order if c not in _CITED]
    if missing and _CLAUSE_TEST_RAN:
        terminalreporter.write_line(f"not cited by any collected test: {', '.join(missing)}")
