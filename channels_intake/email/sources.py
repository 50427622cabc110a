"""Where mail comes from: .eml files, mbox files, Maildir folders, an IMAP mailbox. All go through
``email_ingest``; IMAP messages are flagged or moved only after they are safely stored."""

from __future__ import annotations

import imaplib
import logging
import mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

from .processing import email_ingest_one, ingest_tally

log = logging.getLogger(__name__)


def _messages_at(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in box.iterkeys():
                with box.get_file(key) as fh:
                    yield f"maildir:{path.name}/{key}", fh.read()
            return
        for child in sorted(path.iterdir()):
            yield from _messages_at(child)
        return
    with path.open("rb") as fh:
        head = fh.read(5)
    if head.startswith(b"From "):
        box = mailbox.mbox(str(path), create=False)
        for key in box.iterkeys():
            with box.get_file(key) as fh:
                yield f"mbox:{path.name}#{key}", fh.read()
        return
    yield f"file:{path.name}", path.read_bytes()


def ingest_paths(paths: list[str], *, mailbox_name: str = "files") -> Counter:
    """Ingest .eml, mbox and Maildir; memory stays flat (one message at a time). Returns the
    counts of ``ingest_tally`` (read, stored, duplicates, complaints, replies, quarantined, ignored)."""
    counts: Counter = Counter()
    for p in paths:
        for source, raw in _messages_at(Path(p)):
            item, stored = email_ingest_one(raw, source=source, mailbox=mailbox_name)
            ingest_tally(counts, item, stored)
    return counts


def imap_poll(connect: Callable[[], imaplib.IMAP4] | None = None) -> Counter:
    """Fetch unseen messages; flag (or move) each only after it is stored. A failure midway leaves
    the rest unflagged for the next run; messages already stored are not stored twice."""
    conf = settings.OCC_IMAP
    if connect is None:

        def connect() -> imaplib.IMAP4:
            cls = imaplib.IMAP4_SSL if conf["TLS"] else imaplib.IMAP4
            client = cls(conf["HOST"], conf["PORT"], timeout=30)
            client.login(conf["USER"], conf["PASSWORD"])
            return client

    counts: Counter = Counter()
    client = connect()
    try:
        client.select(conf["FOLDER"])
        status, data = client.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise RuntimeError(f"IMAP search failed: {status}")
        uids = (data[0] or b"").split()[: conf["BATCH"]]
        for uid in uids:
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            if status != "OK" or not parts or not isinstance(parts[0], tuple):
                raise RuntimeError(f"IMAP fetch of {uid!r} failed: {status}")
            raw = parts[0][1]
            item, stored = email_ingest_one(
                raw, source=f"imap:{conf['FOLDER']}", mailbox=f"imap:{conf['FOLDER']}"
            )
            ingest_tally(counts, item, stored)
            # Stored: only now is the message marked on the server.
            if conf["DONE_FOLDER"]:
                client.uid("MOVE", uid, conf["DONE_FOLDER"])
            else:
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            log.info("IMAP logout failed")
    return counts
