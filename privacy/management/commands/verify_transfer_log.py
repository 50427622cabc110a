from django.core.management.base import BaseCommand, CommandError

from privacy import transfer_log
from privacy.models import TransferSeal


class Command(BaseCommand):
    help = "Recompute the transfer-log hash chain; name the first broken or missing record; check the seals."

    def handle(self, *args, **options):
        result = transfer_log.verify()
        problems = [] if result.ok else [result.problem]
        seals = 0
        for seal in TransferSeal.objects.order_by("sealed_at").iterator():
            seals += 1
            problem = transfer_log.seal_check(seal)
            if problem:
                problems.append(problem)
        if problems:
            raise CommandError(
                f"transfer log NOT intact after {result.checked} good records: " + "; ".join(problems)
            )
        self.stdout.write(
            self.style.SUCCESS(f"transfer log intact: {result.checked} records, {seals} seals verified")
        )
