"""The bytes an agency receives: CSV, or MISP objects in a MISP event (JSON). Built from
``selectors.indicators_for_sharing`` rows only, which hold no complainant data and no free text."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from django.utils import timezone

from .extract import BANK_NAMES, Kind

COLUMNS = ["kind", "value", "bank", "complaints", "total_loss", "first_seen", "last_seen"]
FORMATS = {"csv": "text/csv; charset=utf-8", "misp": "application/json"}

# kind -> (MISP object template, attribute relation, MISP attribute type)
MISP_OBJECTS = {
    Kind.BANK_ACCOUNT: ("bank-account", "account", "bank-account-nr"),
    Kind.PROMPTPAY: ("bank-account", "account", "bank-account-nr"),
    Kind.PHONE: ("phone", "phone-number", "phone-number"),
    Kind.URL: ("url", "url", "url"),
    Kind.DOMAIN: ("domain-ip", "domain", "domain"),
    Kind.EMAIL: ("email", "from", "email-src"),
    Kind.LINE: ("user-account", "username", "text"),
    Kind.SOCIAL: ("user-account", "link", "link"),
}


def _row(r: dict[str, Any]) -> dict[str, str]:
    return {
        "kind": r["indicator__kind"],
        "value": r["indicator__value"],
        "bank": r["indicator__bank"] or "",
        "complaints": str(r["complaints"]),
        "total_loss": f"{r['total_loss'] or 0:.2f}",
        "first_seen": r["first_seen"].isoformat() if r["first_seen"] else "",
        "last_seen": r["last_seen"].isoformat() if r["last_seen"] else "",
    }


def _misp_object(row: dict[str, str]) -> dict[str, Any]:
    template, relation, attr_type = MISP_OBJECTS[row["kind"]]
    value = row["value"]
    if row["kind"] == Kind.URL:
        value = f"http://{value}"  # MISP url attributes carry a scheme; ours is dropped in the normal form
    attributes = [{"object_relation": relation, "type": attr_type, "value": value, "to_ids": True}]
    if row["kind"] in (Kind.BANK_ACCOUNT, Kind.PROMPTPAY):
        attributes.append({"object_relation": "institution-code", "type": "text", "value": row["bank"] or ""})
        if row["bank"]:
            attributes.append(
                {
                    "object_relation": "institution-name",
                    "type": "text",
                    "value": BANK_NAMES.get(row["bank"], ""),
                }
            )
        if row["kind"] == Kind.PROMPTPAY:
            attributes.append({"object_relation": "account-type", "type": "text", "value": "PromptPay"})
    if row["kind"] == Kind.LINE:
        attributes.append({"object_relation": "description", "type": "text", "value": "LINE ID"})
    comment = (
        f"{row['complaints']} complaint(s) to the 1212 OCC, total loss THB {row['total_loss']}, "
        f"first seen {row['first_seen']}, last seen {row['last_seen']}"
    )
    return {
        "name": template,
        "meta-category": "financial" if template == "bank-account" else "network",
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"occ1212:{row['kind']}:{row['value']}")),
        "comment": comment,
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "Attribute": [a for a in attributes if a["value"]],
    }


def export_body(
    rows: list[dict[str, Any]], *, fmt: str, event_uuid: str, agency_code: str
) -> tuple[bytes, str]:
    plain = [_row(r) for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(plain)
        return out.getvalue().encode("utf-8"), FORMATS["csv"]
    event = {
        "Event": {
            "uuid": event_uuid,
            "info": f"1212 OCC fraud indicators for {agency_code}",
            "date": timezone.localdate().isoformat(),
            "distribution": "0",
            "threat_level_id": "2",
            "analysis": "2",
            "Tag": [{"name": "tlp:amber"}],
            "Object": [_misp_object(r) for r in plain],
        }
    }
    return json.dumps(event, ensure_ascii=False, sort_keys=True, indent=None).encode("utf-8"), FORMATS["misp"]
