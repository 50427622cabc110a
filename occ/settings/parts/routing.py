"""Settings of one feature area; merged into base.py (UPPER-CASE names; BEAT joins the beat schedule)."""

from datetime import timedelta

from occ.settings.environment import BASE_DIR, env

# Ed25519 key that signs the transfer-log seals. Created on first use only where allowed (the
# default profile); production mounts a key file and sets OCC_SEAL_KEY_AUTOCREATE=false.
OCC_SEAL_KEY_PATH = env.str("OCC_SEAL_KEY_PATH", default=str(BASE_DIR / "var" / "keys" / "transfer-seal.pem"))
OCC_SEAL_KEY_AUTOCREATE = env.bool("OCC_SEAL_KEY_AUTOCREATE", default=True)
# Webhook delivery: timeouts in seconds, attempts before a referral is marked failed, back-off.
OCC_WEBHOOK_CONNECT_TIMEOUT = env.float("OCC_WEBHOOK_CONNECT_TIMEOUT", default=5.0)
OCC_WEBHOOK_READ_TIMEOUT = env.float("OCC_WEBHOOK_READ_TIMEOUT", default=15.0)
OCC_DELIVERY_MAX_ATTEMPTS = env.int("OCC_DELIVERY_MAX_ATTEMPTS", default=6)
OCC_DELIVERY_BACKOFF_SECONDS = env.int("OCC_DELIVERY_BACKOFF_SECONDS", default=60)
# A delivery claimed longer ago than this is taken to have died with its worker and is retried.
OCC_DELIVERY_LEASE_SECONDS = env.int("OCC_DELIVERY_LEASE_SECONDS", default=300)

BEAT = {
    "referrals-retry-due": {"task": "routing.tasks.referrals_retry_due", "schedule": timedelta(minutes=1)},
    "notices-retry-due": {"task": "routing.tasks.notices_retry_due", "schedule": timedelta(minutes=1)},
    "transfer-log-seal": {"task": "privacy.tasks.transfer_log_seal", "schedule": timedelta(hours=24)},
}
