from django.core.management.base import BaseCommand, CommandError

from channels_intake.open311.keys import partner_key_issue, partner_key_revoke
from channels_intake.open311.models import PartnerApp, PartnerAppKey


class Command(BaseCommand):
    help = (
        "Open311 partner-app keys: issue a key (shown once; the app is created if new), revoke one "
        "by its prefix, or list them. Rotate: issue a new key, then revoke the old one."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["issue", "revoke", "list"])
        parser.add_argument("target", nargs="?", default="", help="app name for issue; key prefix for revoke")
        parser.add_argument("--label", default="")

    def handle(self, *args, **options):
        action, target = options["action"], options["target"]
        if action == "list":
            for key in PartnerAppKey.objects.select_related("app"):
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"{key.prefix}  {key.app.name}  {key}  last used {used}")
            return
        if not target:
            raise CommandError("name the app (issue) or the key prefix (revoke)")
        if action == "issue":
            app, _ = PartnerApp.objects.get_or_create(name=target)
            if not app.is_active:
                raise CommandError(f"the app {app.name} is deactivated")
            key, raw = partner_key_issue(app=app, label=options["label"])
            self.stdout.write(f"key for {app.name} (shown once): {raw}")
            return
        key = PartnerAppKey.objects.filter(prefix=target).first()
        if key is None:
            raise CommandError(f"no key with prefix {target}")
        partner_key_revoke(key=key)
        self.stdout.write(f"revoked {key.prefix} of {key.app.name}")
