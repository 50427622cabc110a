"""A corpus of mutated e-mails ingested twice: nothing lost, nothing crashing, the second pass
creating nothing (issue 17). Run by ``.ci/mail-corpus`` on a fresh PostgreSQL database:

    DATABASE_URL=postgres://.../db .venv/bin/python benchmarks/mail_corpus.py [--n 3064] [--seed 17]

Prints read / stored / complaints / quarantined / vanished for each pass and exits non-zero when a
message vanished (its bytes are kept by no item), an item is left unprocessed, or the second pass
stored or created anything.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import mailbox
import os
import random
import sys
import tempfile
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occ.settings.test")

THAI = "ซื้อโทรศัพท์ทางเพจเฟซบุ๊กแล้วไม่ได้รับสินค้า โอนเงินไป 2,500 บาท"


def _base(i: int, rnd: random.Random) -> bytes:
    kind = i % 5
    if kind == 0:
        msg = MIMEText(f"{THAI} #{i}", "plain", "utf-8")
    elif kind == 1:
        msg = MIMEText(f"{THAI} #{i}", "plain", "cp874")
    elif kind == 2:
        msg = MIMEMultipart("alternative")
        msg.attach(MIMEText(f"scam shop {i}", "plain", "utf-8"))
        msg.attach(MIMEText(f"<p>scam <b>shop</b> {i}</p><script>x()</script>", "html", "utf-8"))
    elif kind == 3:
        msg = MIMEMultipart("mixed")
        msg.attach(MIMEText(f"see attachment {i}", "plain", "utf-8"))
        att = MIMEApplication(b"%PDF-1.4\n" + rnd.randbytes(200), "pdf")
        att.add_header("Content-Disposition", "attachment", filename=f"slip-{i}.pdf")
        msg.attach(att)
    else:  # 10-deep nesting
        inner = MIMEText(f"deep {i}", "plain", "utf-8")
        for _ in range(10):
            outer = MIMEMultipart("mixed")
            outer.attach(inner)
            inner = outer
        msg = inner
    msg["From"] = f"{Header('สมชาย ใจดี', 'utf-8').encode()} <buyer{i}@example.com>"
    msg["To"] = "1212@mdes.go.th"
    msg["Subject"] = Header(f"ร้องเรียน {i}", "utf-8").encode()
    msg["Date"] = formatdate()
    msg["Message-ID"] = f"<corpus-{i}@example.com>"
    return msg.as_bytes()


def _nul_at(raw: bytes, marker: bytes, rnd: random.Random) -> bytes:
    at = raw.find(marker)
    if at < 0:
        return raw + b"\x00"
    at += len(marker) + rnd.randrange(1, 6)
    return raw[:at] + b"\x00" + raw[at:]


MUTATIONS = [
    "none",
    "truncate",
    "wrong_charset",
    "broken_boundary",
    "huge_header",
    "binary_junk",
    "nul_body",
    "nul_from_name",
    "nul_message_id",
    "long_message_id",
    "surrogate_bytes",
    "no_message_id",
    "control_chars",
    "bare_cr",
    "no_from",
    "header_only",
]


def mutate(i: int, raw: bytes, rnd: random.Random) -> bytes:
    m = MUTATIONS[i % len(MUTATIONS)]
    if m == "truncate":
        return raw[: rnd.randrange(20, max(21, len(raw)))]
    if m == "wrong_charset":
        return raw.replace(b'charset="utf-8"', b'charset="iso-2022-jp"').replace(
            b'charset="cp874"', b'charset="utf-8"'
        )
    if m == "broken_boundary":
        return raw.replace(b'boundary="', b'boundary="x', 1)
    if m == "huge_header":
        return b"X-Junk: " + b"a" * rnd.randrange(100_000, 300_000) + b"\r\n" + raw
    if m == "binary_junk":
        head, _, _ = raw.partition(b"\n\n")
        return head + b"\n\n" + rnd.randbytes(rnd.randrange(10, 5000))
    if m == "nul_body":
        return raw.replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 8bit") + (
            b"\n\x00 money sent \x00\n"
        )
    if m == "nul_from_name":
        return raw.replace(b"From: ", b"From: Som\x00chai ", 1)
    if m == "nul_message_id":
        return _nul_at(raw, b"Message-ID: <", rnd)
    if m == "long_message_id":  # > 300 characters, all sharing one prefix
        return raw.replace(b"Message-ID: <", b"Message-ID: <" + b"p" * 400, 1)
    if m == "surrogate_bytes":
        return raw.replace(b"Subject: ", b"Subject: \xed\xa0\x80\xff\xfe ", 1)
    if m == "no_message_id":
        lines = [line for line in raw.split(b"\n") if not line.startswith(b"Message-ID:")]
        return b"\n".join(lines) + f"\nunique {i}\n".encode()
    if m == "control_chars":
        return raw.replace(b"From: ", b"From: \x01\x02\x1b[31m ", 1) + b"\x07\x08\x0b\x7f"
    if m == "bare_cr":
        return raw.replace(b"\n", b"\r")
    if m == "no_from":
        return b"\n".join(line for line in raw.split(b"\n") if not line.startswith(b"From:"))
    if m == "header_only":
        return raw.partition(b"\n\n")[0]
    return raw


def corpus(n: int, seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    return [mutate(i, _base(i, rnd), rnd) for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3064)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from channels_intake.email.parsing import message_id_of
    from channels_intake.models import InboundItem
    from complaints.models import Complaint

    messages = corpus(args.n, args.seed)
    folder = Path(tempfile.mkdtemp(prefix="occ-mail-corpus-")) / "Maildir"
    box = mailbox.Maildir(str(folder))
    for raw in messages:
        box.add(raw)
    box.flush()
    print(f"mail corpus: {len(messages)} mutated messages ({len(MUTATIONS)} kinds), seed {args.seed}")

    failed = False
    complaints_after_first = 0
    for number in (1, 2):
        out = io.StringIO()
        call_command("ingest_email", str(folder), "--mailbox", "corpus", stdout=out)
        counts = dict(part.split(": ") for part in out.getvalue().strip().split(", "))
        counts = {k: int(v) for k, v in counts.items()}
        kept = set(InboundItem.objects.filter(kind="email").values_list("sha256", flat=True))
        ids = set(InboundItem.objects.filter(kind="email").values_list("external_id", flat=True))
        # accounted for: its bytes are kept, or it is a true duplicate (same mailbox and Message-ID)
        vanished = sum(
            1
            for raw in messages
            if hashlib.sha256(raw).hexdigest() not in kept and f"corpus:{message_id_of(raw)}" not in ids
        )
        left = InboundItem.objects.filter(state=InboundItem.State.RECEIVED).count()
        complaints = Complaint.objects.count()
        print(
            f"pass {number}: read={counts['read']} stored={counts['stored']} "
            f"duplicates={counts['duplicates']} complaints={counts['complaints']} "
            f"quarantined={counts['quarantined']} ignored={counts['ignored']} vanished={vanished} "
            f"unprocessed={left} complaints_in_db={complaints}"
        )
        adds_up = counts["read"] == counts["stored"] + counts["duplicates"] and counts["stored"] == (
            counts["complaints"]
            + counts["replies"]
            + counts["quarantined"]
            + counts["ignored"]
            + counts["received"]
        )
        if counts["read"] != len(messages) or vanished or left or not adds_up:
            failed = True
        if number == 1:
            complaints_after_first = complaints
        elif counts["stored"] or complaints != complaints_after_first:
            print("the second pass stored or created something")
            failed = True
    print("mail corpus: FAILED" if failed else "mail corpus: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
