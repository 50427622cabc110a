"""Production profile. Refuses to start without its secrets and services."""

import copy

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CONSOLE, DATABASES, LOGGING, MIDDLEWARE, env

DEBUG = False
OCC_DEMO_USERS_ALLOWED = False


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set for occ.settings.production")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.postgresql", "occ.db.postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database in production")
# Prepared statements (DATABASE_PREPARE_THRESHOLD, server-side binding): occ/settings/base.py.
CELERY_BROKER_URL = _required("CELERY_BROKER_URL")
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CELERY_BROKER_URL must be a Redis URL in production")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=CELERY_BROKER_URL)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1,  # a hanging Redis must not hang requests
            "SOCKET_TIMEOUT": 1,
        },
    }
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")

# Static files: collected at image build time with hashed, compressed names and served by the
# app itself (WhiteNoise, far-future cache headers), so DEBUG=False pages keep their CSS with no
# extra web server. docs/operations.md describes putting nginx or a CDN in front instead.
_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
]
# Evidence on local disk (a volume), or object storage when configured (django-storages, S3).
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": _STATIC}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}, "staticfiles": _STATIC}
    # the storage provider is a processor: evidence is handed to it under its register entry
    OCC_PROCESSORS = {**OCC_PROCESSORS, "storage": env.str("OCC_PROCESSOR_STORAGE", default="object-storage")}  # noqa: F405

# One JSON object per log line (LOG_FORMAT=plain for a human at a terminal).
LOGGING = copy.deepcopy(LOGGING)
LOGGING["handlers"] = {
    **LOGGING["handlers"],
    "console": {**CONSOLE, "formatter": env.str("LOG_FORMAT", default="json")},
}

# Fingerprints kept as evidence (privacy.fingerprints) need their own keys, outside the database and
# apart from SECRET_KEY: a fingerprint must not be recomputable by whoever holds the app's secret, and
# rotating SECRET_KEY must not orphan old evidence. The fallback derived from SECRET_KEY is for the
# embedded default only.
if not OCC_FINGERPRINT_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "OCC_FINGERPRINT_KEYS (or OCC_FINGERPRINT_KEYS_FILE) must be set for occ.settings.production: "
        "key_id:secret entries, newest first"
    )

# The transfer-log sealing key is mounted, never generated on a production host.
OCC_SEAL_KEY_AUTOCREATE = env.bool("OCC_SEAL_KEY_AUTOCREATE", default=False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
