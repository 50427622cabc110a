"""The fraud-intelligence app sits above complaints and privacy: nothing lower imports it (complaints
offers a hook registry instead), and its extraction fetches nothing from the network."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOWER = ("occ", "complaints", "privacy", "channels_intake")


def test_no_lower_app_imports_indicators():
    offenders = []
    for app in LOWER:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                if any(n == "indicators" or n.startswith("indicators.") for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    # occ/urls.py is the composition root: it includes every app's URLs and may name them
    assert [p for p in offenders if p != "occ/urls.py"] == []


def test_the_public_suffix_list_is_read_offline(monkeypatch):
    import socket

    from indicators import extract

    def no_network(*args, **kwargs):
        raise AssertionError("the Public Suffix List must never be fetched")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    extract._suffix_rules.cache_clear()
    extract.registrable_domain.cache_clear()
    assert extract.registrable_domain("www.scam-shop.co.th") == "scam-shop.co.th"
