"""Where mail comes from: .eml files, mbox files, Maildir folders, an IMAP mailbox. All go through
``email_ingest``; IMAP messages are flagged or moved only after they are safely stored."""

from __future__ import annotations

import imaplib
import logging
import mailbox
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

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


def ingest_paths(paths: list[str], *, mailbox_name: str = "files", workers: int | None = None) -> Counter:
    """Ingest .eml, mbox and Maildir; memory stays flat (a few messages at a time). Returns the
    counts of ``ingest_tally`` (read, stored, duplicates, complaints, replies, quarantined, ignored).

    With ``workers`` > 1 (default ``OCC_EMAIL_INGEST_WORKERS``) that many threads of this process
    ingest the messages, each on its own database connection, so one message's waits on the
    database overlap another's work. Each message is still its own transaction, exactly as with
    that many ingest processes (the same message twice is one item; a failure touches its own
    message only). Threads are used only on a database that takes concurrent writers (not SQLite)
    and outside a caller's transaction (the threads' connections could not see it). The first
    error that stops a run (a lost database, storage that cannot be written) stops reading, lets
    the messages in hand finish and is raised, as in one thread: what was not stored stays in its
    source for the next run."""
    messages = (message for p in paths for message in _messages_at(Path(p)))
    counts: Counter = Counter()
    if workers is None:
        workers = settings.OCC_EMAIL_INGEST_WORKERS
    if workers <= 1 or connection.vendor == "sqlite" or connection.in_atomic_block:
        for source, raw in messages:
            item, stored = email_ingest_one(raw, source=source, mailbox=mailbox_name)
            ingest_tally(counts, item, stored)
        return counts
    _ingest_threads(messages, mailbox_name=mailbox_name, workers=workers, counts=counts)
    return counts


def _ingest_threads(
    messages: Iterable[tuple[str, bytes]], *, mailbox_name: str, workers: int, counts: Counter
) -> None:
    todo: queue.Queue = queue.Queue(maxsize=2 * workers)  # bounded: memory stays flat
    done: queue.Queue = queue.Queue()
    failed = threading.Event()

    def work() -> None:
        try:
            while (job := todo.get()) is not None:
                if failed.is_set():
                    continue  # a run that stopped: the rest stays in its source
                source, raw = job
                try:
                    done.put((email_ingest_one(raw, source=source, mailbox=mailbox_name), None))
                except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, raised there
                    failed.set()
                    done.put((None, exc))
        finally:
            connections.close_all()  # this thread's own connection

    errors: list[BaseException] = []

    def drain() -> None:
        while True:
            try:
                result, exc = done.get_nowait()
            except queue.Empty:
                return
            if exc is not None:
                errors.append(exc)
            else:
                ingest_tally(counts, *result)

    threads = [threading.Thread(target=work, name=f"ingest-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for job in messages:
            if failed.is_set():
                break
            todo.put(job)
            drain()
    finally:
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join()
    drain()
    if errors:
        raise errors[0]


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
