"""Test profile: the default profile with fast password hashing.

SQLite in memory unless DATABASE_URL is set; Celery eager unless CELERY_BROKER_URL is set, in
which case the tests marked ``worker`` talk to a real worker process.
"""

from .default import *  # noqa: F403
from .default import OCC, REST_FRAMEWORK

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Ordinary tests run tasks in-process; worker tests switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])}
OCC = {**OCC, "ATTACHMENT_MAX_BYTES": 512 * 1024}
