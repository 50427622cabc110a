from django.conf import settings
from django.core.management.base import BaseCommand

from interfaces.demo import DEMO_USERS, demo_password


class Command(BaseCommand):
    help = "Print the local URLs and the demo log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options):
        base = f"http://127.0.0.1:{options['port']}"
        out = self.stdout.write
        out("")
        out("1212 OCC backend is starting")
        out(f"  Citizen portal         {base}/")
        out(f"  Agent desk             {base}/desk/   (staff log-in, then a TOTP code: enrol with any")
        out("                         authenticator app on first log-in)")
        out(f"  Agency inbox           {base}/agency/")
        out(f"  Privacy desk           {base}/desk/privacy/")
        out(f"  API docs (Swagger UI)  {base}/api/docs/")
        out(f"  OpenAPI schema         {base}/api/schema/")
        out(f"  Categories             {base}/api/v1/categories/")
        out(f"  File a complaint       POST {base}/api/v1/complaints/")
        out(f"  Track a complaint      POST {base}/api/v1/track/")
        out(
            f"  Staff API              {base}/api/v1/staff/complaints/  (token from POST /api/v1/auth/login/)"
        )
        out(f"  Django admin           {base}/admin/")
        if getattr(settings, "OCC_DEMO_USERS_ALLOWED", False):
            out("  Demo log-ins (local demo only; never created in production):")
            for username, role, agency in DEMO_USERS:
                extra = f" ({agency})" if agency else ""
                out(f"    {username:<11} {demo_password(username):<22} {role.label}{extra}")
        out("")
