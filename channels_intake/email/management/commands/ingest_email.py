from django.core.management.base import BaseCommand

from channels_intake.email.sources import ingest_paths


class Command(BaseCommand):
    help = "Ingest e-mail from .eml files, mbox files and Maildir folders (the same path as IMAP and the gateway)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--mailbox", default="files", help="mailbox name for duplicate detection by Message-ID"
        )

    def handle(self, *args, **options):
        counts = ingest_paths(options["paths"], mailbox_name=options["mailbox"])
        order = [
            "read",
            "stored",
            "duplicates",
            "complaints",
            "replies",
            "quarantined",
            "ignored",
            "received",
        ]
        self.stdout.write(", ".join(f"{k}: {counts.get(k, 0)}" for k in order))
