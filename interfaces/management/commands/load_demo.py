from django.core.management.base import BaseCommand

from interfaces.demo import demo_load
from privacy.ops.demo import demo_privacy_load


class Command(BaseCommand):
    help = "Load demo categories and partner agencies, and demo users in the default profile (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Load categories and agencies only.")

    def handle(self, *args, **options):
        counts = demo_load(with_users=False if options["no_users"] else None)
        demo_privacy_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {counts['categories']} categories, {counts['agencies']} agencies, {counts['users']} users"
            )
        )
