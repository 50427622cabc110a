"""Privacy operations: data-subject requests, retention, legal holds (issue 6)."""

from datetime import timedelta

from celery.schedules import crontab

from occ.settings.base import env

# KC-2 / Computer-Related Crime Act s.26: traffic data is kept at least 90 days. The floor may be
# raised by settings but never lowered below 90 days.
OCC_TRAFFIC_RETENTION_DAYS = max(90, env.int("OCC_TRAFFIC_RETENTION_DAYS", default=90))
# An official's order may extend retention case by case up to this ceiling (KC-2: 2 years).
OCC_HOLD_CEILING_DAYS = env.int("OCC_HOLD_CEILING_DAYS", default=730)
# Personal data of closed complaints is anonymised this long after the case was last touched.
OCC_CLOSED_ANONYMISE_AFTER_DAYS = env.int("OCC_CLOSED_ANONYMISE_AFTER_DAYS", default=365)
OCC_PURGE_BATCH = env.int("OCC_PURGE_BATCH", default=5000)
# PDPA s.30: a request is answered within 30 days of receipt.
OCC_DSR_DUE_DAYS = env.int("OCC_DSR_DUE_DAYS", default=30)
OCC_DSR_CODE_TTL_MINUTES = env.int("OCC_DSR_CODE_TTL_MINUTES", default=15)
OCC_DSR_CODE_MAX_ATTEMPTS = env.int("OCC_DSR_CODE_MAX_ATTEMPTS", default=5)
# How one-time codes reach a phone number. The default keeps them in memory (outbox) for tests
# and the local demo; production sets a gateway class with a send(number, text) method.
OCC_SMS_BACKEND = env.str("OCC_SMS_BACKEND", default="privacy.ops.sms.OutboxSmsBackend")
# Who each hand-off of personal data goes to: a code of the processor register (privacy.Processor).
# Empty: done in house (evidence on the centre's own disk, no transcription contractor).
OCC_PROCESSORS = {
    "sms": env.str("OCC_PROCESSOR_SMS", default="sms-gateway"),
    "mail": env.str("OCC_PROCESSOR_MAIL", default="mail-relay"),
    "storage": env.str("OCC_PROCESSOR_STORAGE", default=""),
    "transcription": env.str("OCC_PROCESSOR_TRANSCRIPTION", default=""),
}

BEAT = {
    "privacy-traffic-purge": {
        "task": "privacy.ops.tasks.traffic_purge",
        "schedule": crontab(hour=2, minute=30),
    },
    "privacy-closed-complaints-anonymise": {
        "task": "privacy.ops.tasks.closed_complaints_anonymise",
        "schedule": crontab(hour=3, minute=0),
    },
    "privacy-hold-expiry-check": {
        "task": "privacy.ops.tasks.legal_holds_expire",
        "schedule": timedelta(hours=1),
    },
}

# Keys of the HMAC fingerprints kept as evidence (privacy.fingerprints): "key_id:secret" entries,
# comma-separated, newest first. Old keys stay listed so old evidence still verifies.
OCC_FINGERPRINT_KEYS = env.list("OCC_FINGERPRINT_KEYS", default=[])
