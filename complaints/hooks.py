"""Extension points for the apps above complaints (which complaints must never import).

A higher app registers a callback in its ``AppConfig.ready()``; complaints calls every registered
callback at the moment named, inside the caller's transaction, so what a callback writes commits or
rolls back with the change that caused it. Callbacks must be cheap (they run in the intake
transaction) and must not call the broker (no ``.delay()`` here; write an outbox row instead).

- ``incident_facts``: after a complaint is filed (every channel, in ``complaint_register``;
  ``created=True``) and whenever its incident facts, description or complainant change (fax
  transcription, an agent's edit, anonymisation). The callback gets the complaint (its
  complainant loaded) and ``created``.
- ``complaint_registered``: ``callback(complaint)`` once a complaint is filed on any channel, with
  its id known. On PostgreSQL the id is reserved first and the rows are written in one statement at
  the end of the intake (occ.rows), so the complaint's row may not exist yet: write rows that
  point at it (through ``occ.rows.rows_insert(..., later=True)`` or plain inserts; the foreign keys
  are checked at commit), never read it back. privacy.ops registers the record of the privacy policy in force at intake (OCC-12).

Two readers complaints offers to the app that routes cases (routing registers both), so the citizen's
tracking page and the public statistics can name the agencies a case went to without complaints
knowing what a referral is:

- ``tracking_destinations``: ``provider(vendor) -> str``, an SQL subquery correlated on the outer
  complaint row ``c`` that yields a JSON array of ``[name_th, name_en]``, oldest first. It becomes
  part of the one tracking statement (complaints.selectors.complaint_track). Without a provider a
  case has gone nowhere.
- ``referrals_by_agency``: ``provider(start, end) -> [(code, name_th, name_en, count), ...]`` for
  the public statistics of a period (complaints.statistics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_incident_facts: list[Callable[..., None]] = []
_registered: list[Callable[[Any], None]] = []
_tracking_destinations: list[Callable[[str], str]] = []
_referrals_by_agency: list[Callable[[Any, Any], list[tuple[str, str, str, int]]]] = []


def on_incident_facts(callback: Callable[..., None]) -> Callable[..., None]:
    """Register ``callback(complaint, *, created)``; registering the same callback twice keeps one."""
    if callback not in _incident_facts:
        _incident_facts.append(callback)
    return callback


def incident_facts_changed(complaint: Any, *, created: bool = False) -> None:
    for callback in list(_incident_facts):
        callback(complaint, created=created)


def on_complaint_registered(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``callback(complaint)``; registering the same callback twice keeps one."""
    if callback not in _registered:
        _registered.append(callback)
    return callback


def complaint_registered(complaint: Any) -> None:
    for callback in list(_registered):
        callback(complaint)


def provide_tracking_destinations(provider: Callable[[str], str]) -> Callable[[str], str]:
    """Register the one provider of the tracking statement's destinations (a later one replaces it)."""
    _tracking_destinations[:] = [provider]
    return provider


def tracking_destinations_sql(vendor: str) -> str:
    return _tracking_destinations[0](vendor) if _tracking_destinations else "NULL"


def provide_referrals_by_agency(
    provider: Callable[[Any, Any], list[tuple[str, str, str, int]]],
) -> Callable[[Any, Any], list[tuple[str, str, str, int]]]:
    """Register the one provider of referral counts per agency (a later one replaces it)."""
    _referrals_by_agency[:] = [provider]
    return provider


def referrals_by_agency(start: Any, end: Any) -> list[tuple[str, str, str, int]]:
    return _referrals_by_agency[0](start, end) if _referrals_by_agency else []
