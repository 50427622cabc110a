from django.conf import settings
from django.core.management.base import BaseCommand

from occ.outbox import relay


class Command(BaseCommand):
    help = "Relay outbox rows to Celery until stopped (run one or more beside the workers)."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=settings.OCC_OUTBOX_POLL_SECONDS)
        parser.add_argument("--once", action="store_true", help="relay what is due, then exit")

    def handle(self, *args, poll: float, once: bool, **options):
        if once:
            self.stdout.write(f"relayed {relay.relay_due()}")
            return
        relay.relay_forever(poll=poll)
