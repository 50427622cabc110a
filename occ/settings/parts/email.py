"""E-mail channel settings (issue 4)."""

from datetime import timedelta

from occ.settings.environment import env

# The centre's mailbox (OCC-14) and the plus-addressing used for reply tokens.
OCC_MAILBOX_ADDRESS = env.str("OCC_MAILBOX_ADDRESS", default="1212@mdes.go.th")
OCC_IMAP = {
    "HOST": env.str("OCC_IMAP_HOST", default=""),
    "PORT": env.int("OCC_IMAP_PORT", default=993),
    "TLS": env.bool("OCC_IMAP_TLS", default=True),
    "USER": env.str("OCC_IMAP_USER", default=""),
    "PASSWORD": env.str("OCC_IMAP_PASSWORD", default=""),
    "FOLDER": env.str("OCC_IMAP_FOLDER", default="INBOX"),
    # Stored messages are moved here when set, else flagged \\Seen.
    "DONE_FOLDER": env.str("OCC_IMAP_DONE_FOLDER", default=""),
    "BATCH": env.int("OCC_IMAP_BATCH", default=200),
}
# Shared secrets of the mail gateway that POSTs raw messages (occ.signing.inbound): several may be
# given, comma-separated, the new one first, so a secret is rotated without downtime. The single
# OCC_MAIL_GATEWAY_SECRET of earlier releases still counts (tried after these).
OCC_MAIL_GATEWAY_SECRETS = env.list("OCC_MAIL_GATEWAY_SECRETS", default=[])
OCC_MAIL_GATEWAY_SECRET = env.str("OCC_MAIL_GATEWAY_SECRET", default="")
# A signed request whose timestamp is further than this from the server's clock is refused.
OCC_MAIL_GATEWAY_MAX_SKEW_SECONDS = env.int("OCC_MAIL_GATEWAY_MAX_SKEW_SECONDS", default=300)
OCC_EMAIL_MAX_BYTES = env.int("OCC_EMAIL_MAX_BYTES", default=30 * 1024 * 1024)
# Seconds a process keeps its copy of the active mail rules (a rule saved in the admin reaches
# ingesting processes within this time).
OCC_EMAIL_RULES_TTL = env.int("OCC_EMAIL_RULES_TTL", default=30)
# Threads of one ingest_email run (each on its own database connection, each message its own
# transaction): one message's waits on PostgreSQL overlap another's work. 1 = one at a time.
OCC_EMAIL_INGEST_WORKERS = env.int("OCC_EMAIL_INGEST_WORKERS", default=2)
# At most this many acknowledgements per sender per hour, so two auto-responders cannot loop.
OCC_ACK_PER_SENDER_PER_HOUR = env.int("OCC_ACK_PER_SENDER_PER_HOUR", default=3)
# Fax servers that mail faxes as attachments (fax-to-e-mail): their mail goes to the fax channel.
OCC_FAX_TO_EMAIL_SENDERS = env.list("OCC_FAX_TO_EMAIL_SENDERS", default=[])

BEAT = (
    {"email-imap-poll": {"task": "channels_intake.email.tasks.imap_poll", "schedule": timedelta(minutes=1)}}
    if env.str("OCC_IMAP_HOST", default="")
    else {}
)
