import pytest

from channels_intake.open311.keys import partner_key_issue
from channels_intake.open311.models import PartnerApp


@pytest.fixture
def partner(demo):
    """Issue a key for a (new) partner app; returns (app, key, raw key)."""

    def _partner(name="Traffy Fondue"):
        app, _ = PartnerApp.objects.get_or_create(name=name)
        key, raw = partner_key_issue(app=app)
        return app, key, raw

    return _partner
