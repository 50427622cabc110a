from django.core.management.base import BaseCommand, CommandError

from complaints.models import Agency
from routing.agency_auth import agency_credential_issue, agency_credential_revoke
from routing.models import AgencyCredential


class Command(BaseCommand):
    help = (
        "Issue (shown once) or revoke an API key for an agency's system. Rotate: issue, then revoke the old."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["issue", "revoke"])
        parser.add_argument("target", help="agency code for issue; key prefix for revoke")
        parser.add_argument("--label", default="")

    def handle(self, *args, **options):
        if options["action"] == "issue":
            agency = Agency.objects.filter(code=options["target"]).first()
            if agency is None:
                raise CommandError(f"no agency {options['target']}")
            cred, key = agency_credential_issue(agency=agency, label=options["label"])
            self.stdout.write(f"key for {agency.code} (shown once): {key}")
        else:
            cred = AgencyCredential.objects.filter(prefix=options["target"]).first()
            if cred is None:
                raise CommandError(f"no key with prefix {options['target']}")
            agency_credential_revoke(credential=cred)
            self.stdout.write(f"revoked {cred}")
