"""The Thai catalogue is complete: every message the code marks has a reviewed Thai translation
(no empty or fuzzy entry), and the committed .mo carries exactly what the .po says."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "th" / "LC_MESSAGES"


def _entries() -> list[dict]:
    """A small .po reader: msgid, msgstr and flags of each live (non-obsolete) entry."""
    entries, current, key = [], None, None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, key = None, None
            continue
        if line.startswith("#~"):
            continue
        current = current or {"flags": set(), "msgid": "", "msgstr": ""}
        if line.startswith("#,"):
            current["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith(("msgid", "msgstr")):
            key, _, literal = line.partition(" ")  # msgid, msgid_plural, msgstr, msgstr[0]
            key = "msgstr" if key.startswith("msgstr") else key  # Thai has one plural form
            current[key] = ast.literal_eval(literal)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return [e for e in entries if e["msgid"]]


def test_no_empty_or_fuzzy_thai_entries():
    """clause: OCC-12 (the centre's text is published in Thai): nothing shows in English on a Thai
    page for want of a translation."""
    entries = _entries()
    assert len(entries) > 400
    assert [e["msgid"] for e in entries if not e["msgstr"]] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []


def test_compiled_catalogue_matches_the_po():
    """The .mo is committed: it must be compiled from the current .po (`make messages`)."""
    with (LOCALE / "django.mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # noqa: SLF001 - the compiled entries
    expected = {(e["msgid"], 0) if "msgid_plural" in e else e["msgid"]: e["msgstr"] for e in _entries()}
    assert expected == {k: v for k, v in catalog.items() if k}
