from django.core.management.base import BaseCommand

from privacy import transfer_log


class Command(BaseCommand):
    help = "Sign the transfer-log chain head with the centre's key (also run daily by beat)."

    def handle(self, *args, **options):
        seal = transfer_log.seal()
        self.stdout.write(
            f"sealed record {seal.head_seq} ({seal.head_hash[:16]}...) at {seal.sealed_at.isoformat()}"
        )
