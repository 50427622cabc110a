from django.core.management.base import BaseCommand

from channels_intake.models import InboundItem
from channels_intake.services import inbound_reprocess


class Command(BaseCommand):
    help = "Reprocess quarantined inbound items (all, of one kind, or by id) after a fix."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int)
        parser.add_argument("--kind")

    def handle(self, *args, **options):
        qs = InboundItem.objects.filter(state=InboundItem.State.QUARANTINED)
        if options["ids"]:
            qs = qs.filter(id__in=options["ids"])
        if options["kind"]:
            qs = qs.filter(kind=options["kind"])
        counts: dict[str, int] = {}
        for item_id in qs.values_list("id", flat=True).iterator():
            state = inbound_reprocess(item_id=item_id).state
            counts[state] = counts.get(state, 0) + 1
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing quarantined")
