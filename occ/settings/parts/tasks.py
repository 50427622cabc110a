"""Which queue each Celery task runs on (issue 12). See docs/operations.md, "Queues".

Four queues so a slow kind of work never holds up another: ``intake`` (acknowledgements, mail
polling, housekeeping of the intake), ``delivery`` (webhook delivery to agencies), ``media`` (fax
rendering, upload clean-up) and ``privacy`` (retention, anonymisation, holds, transfer-log seals).
Every task has an explicit name; tests/test_tasks_config.py fails when a task has no route here
or no time limits in its decorator. A task not listed would go to CELERY_TASK_DEFAULT_QUEUE.
"""

OCC_TASK_QUEUES = ("intake", "delivery", "media", "privacy")

_QUEUE_OF = {
    "complaints.tasks.complaint_acknowledge": "intake",
    "complaints.tasks.complaint_acknowledge_batch": "intake",
    "complaints.tasks.acknowledgements_retry_due": "intake",
    "complaints.tasks.idempotency_records_purge": "intake",
    "channels_intake.email.tasks.email_acknowledge": "intake",
    "channels_intake.email.tasks.imap_poll": "intake",
    "occ.signing.tasks.signed_request_nonces_purge": "intake",
    "routing.tasks.referral_deliver": "delivery",
    "routing.tasks.referrals_deliver": "delivery",
    "routing.tasks.referrals_retry_due": "delivery",
    "routing.tasks.notice_deliver": "delivery",
    "routing.tasks.notices_retry_due": "delivery",
    "channels_intake.telephony.tasks.fax_previews": "media",
    "channels_intake.telephony.tasks.fax_previews_retry_due": "media",
    "channels_intake.telephony.tasks.uploads_purge_expired": "media",
    "channels_intake.tasks.blob_parts_purge": "media",
    "privacy.ops.tasks.traffic_purge": "privacy",
    "privacy.ops.tasks.closed_complaints_anonymise": "privacy",
    "privacy.ops.tasks.legal_holds_expire": "privacy",
    "privacy.tasks.transfer_log_seal": "privacy",
    # deploy bridge: the names routing's and the seal's tasks had in complaints (remove next release)
    "complaints.tasks.referral_deliver": "delivery",
    "complaints.tasks.notice_deliver": "delivery",
    "complaints.tasks.transfer_log_seal": "privacy",
    # the outbox's beat pass (the backstop of `manage.py outbox_relay`): small, on the intake queue
    "occ.outbox.tasks.outbox_relay": "intake",
}
CELERY_TASK_ROUTES = {name: {"queue": queue} for name, queue in _QUEUE_OF.items()}
CELERY_TASK_DEFAULT_QUEUE = "intake"
CELERY_TASK_CREATE_MISSING_QUEUES = True
# The worker's own logging follows LOGGING (JSON in production) instead of Celery's.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
# A task running when the broker connection drops is cancelled and redelivered (acks_late; every
# task is idempotent): Celery 6's default, chosen now.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Celery's Django fixup closes the database connection after every task unless this is set: each
# task then paid a new PostgreSQL backend and connection set-up (benchmarks/routing.py: 4,139
# backends for 10,000 deliveries). Reused instead, and closed after 2 x this many tasks; a broken
# or obsolete connection (CONN_MAX_AGE, CONN_HEALTH_CHECKS) is dropped before each task as Django
# drops it before each request (occ/celery.py).
CELERY_DB_REUSE_MAX = 500

# The relay hands consecutive outbox rows of these tasks (one id each) to the batch task named, up
# to OCC_OUTBOX_BATCH_SIZE ids a message (occ.outbox.relay): one broker message, one task run in
# the worker per batch instead of per delivery. Each id is still delivered on its own.
OCC_OUTBOX_BATCHED = {"routing.tasks.referral_deliver": "routing.tasks.referrals_deliver"}
OCC_OUTBOX_BATCH_SIZE = 10

BEAT: dict = {}
