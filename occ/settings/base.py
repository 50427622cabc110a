"""Settings shared by every profile. Profiles: ``default`` (embedded), ``test``, ``production``.

Every value that differs between machines comes from the environment (django-environ); see
docs/configuration.md for the full list.
"""

from datetime import timedelta
from typing import Any

from csp.constants import NONCE

from .environment import BASE_DIR, env

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "csp",
    "occ.outbox",
    "occ.signing",
    "complaints",
    "channels_intake",
    "channels_intake.email",
    "channels_intake.telephony",
    "channels_intake.open311",
    "privacy",
    "privacy.ops",
    "routing",
    "indicators",
    "interfaces",
]

# Sessions, authentication, OTP and messages are the libraries' own middleware (subclasses in
# occ/middleware.py) that pass the citizens' JSON API straight through: no work for a request that
# has no log-in and sets no cookie (OCC-10).
MIDDLEWARE = [
    "occ.observability.logs.RequestIdMiddleware",
    "occ.observability.metrics.MetricsMiddleware",
    "occ.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "occ.middleware.CSPMiddleware",  # django-csp's, the header built once (occ.middleware)
    "occ.api.middleware.RequestGuardMiddleware",
    "privacy.middleware.TrafficLogMiddleware",
    "occ.middleware.CitizenSkipSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "occ.middleware.CitizenSkipAuthenticationMiddleware",
    "occ.middleware.CitizenSkipOTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "occ.middleware.CitizenSkipMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "occ.middleware.AuditlogMiddleware",  # django-auditlog's, one receiver per process
    "axes.middleware.AxesMiddleware",
]

# Not in the chain of the citizens' JSON API at all (occ.handlers: no session, log-in, CSRF token,
# one-time password, htmx, messages or log-in lock-out there).
CITIZEN_API_SKIPPED_MIDDLEWARE = [
    "occ.middleware.CitizenSkipSessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "occ.middleware.CitizenSkipAuthenticationMiddleware",
    "occ.middleware.CitizenSkipOTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "occ.middleware.CitizenSkipMessageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "occ.urls"
WSGI_APPLICATION = "occ.wsgi.application"
AUTH_USER_MODEL = "complaints.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

# --- database -------------------------------------------------------------------------------
# SQLite file unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The password may come apart from the URL (DATABASE_PASSWORD_FILE, a compose secret).
if env.str("DATABASE_PASSWORD", default=""):
    DATABASES["default"]["PASSWORD"] = env.str("DATABASE_PASSWORD")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the write lock instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend; the health check only after a connection was idle (occ.db.postgresql)
        DATABASES["default"]["ENGINE"] = "occ.db.postgresql"
        DATABASES["default"]["HEALTH_CHECK_IDLE_SECONDS"] = env.float(
            "DATABASE_HEALTH_CHECK_IDLE_SECONDS", default=5.0
        )
    # psycopg prepares a statement the second time a connection runs it: PostgreSQL then skips
    # parsing and planning. Prepared statements need server-side parameter binding (Django's
    # default, client-side binding, never prepares). Behind PgBouncer in transaction mode a
    # prepared statement may land on another server connection: there set
    # DATABASE_PREPARE_THRESHOLD=-1 (off, and client-side binding as Django's default), unless
    # PgBouncer >= 1.21 runs with max_prepared_statements > 0 (docs/performance.md).
    _prepare = env.int("DATABASE_PREPARE_THRESHOLD", default=2)
    if _prepare >= 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            prepare_threshold=_prepare, server_side_binding=True
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (throttling, locks) ---------------------------------------------------------------
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="")
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis that hangs must not hang citizens' requests (the throttle fails open).
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- passwords: Argon2 first; staff never see a password (DD-5, SSO-4) -------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed log-ins: lock a username+IP pair after 5 failures for 15 minutes (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_LOCKOUT_CALLABLE = "occ.api.errors.axes_lockout_response"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OCC_DESK_IDLE_SECONDS = env.int("OCC_DESK_IDLE_SECONDS", default=30 * 60)  # desk log-out after inactivity
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- i18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# --- files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
# Evidence is stored outside the web root and never under MEDIA_URL: it is only served by
# authorised views with Content-Disposition: attachment.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# No view or server route serves this prefix; it exists only because some tooling requires a string.
MEDIA_URL = "/_evidence_is_never_served_here_/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Files stored on the local disk (occ.blobstore: evidence, recordings, raw inbound items, fax
# previews) are flushed to the disk (fsync of the file, then of its folder) before the row that
# names them can commit, so a power loss never leaves a committed row naming a file whose bytes
# were never written. Off only for throwaway environments (tests, benchmarks).
OCC_BLOB_FSYNC = env.bool("OCC_BLOB_FSYNC", default=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "occ.api.session.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # multipart only where a view takes files (it sets parser_classes): a form body elsewhere
        # would turn a missing boolean into False (DRF's HTML-form rule) instead of a 400
        "occ.api.parsers.LimitedJSONParser",
    ],
    "EXCEPTION_HANDLER": "occ.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "occ.api.schema.OccAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        # Per client IP. A real citizen never meets these; a script does.
        "intake": env.str("THROTTLE_INTAKE", default="30/min"),
        "track": env.str("THROTTLE_TRACK", default="20/min"),
        "public": env.str("THROTTLE_PUBLIC", default="120/min"),
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "open311": env.str("THROTTLE_OPEN311", default="60/min"),  # per partner-app key
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=12)),
    "AUTO_REFRESH": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "1212 OCC complaint-intake API",
    "DESCRIPTION": (
        "Web/app intake, citizen tracking and staff case work for an online-complaint centre. "
        "Every error has the shape described by the ErrorResponse component."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.Status.choices",
        "ComplaintChannelEnum": "complaints.models.Channel.choices",
    },
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A frozen or absent Redis must cost the outbox relay seconds, never hang it (requests never
# publish: they write outbox rows, see occ/outbox). Publishing is not retried by kombu; the relay
# backs off and tries again.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
# The outbox relay: how often the long-running relay looks for rows when idle, the ceiling of
# its back-off after a failed publish, and how often beat runs a relay pass as the backstop.
OCC_OUTBOX_POLL_SECONDS = env.float("OCC_OUTBOX_POLL_SECONDS", default=0.5)
OCC_OUTBOX_BACKOFF_MAX_SECONDS = env.float("OCC_OUTBOX_BACKOFF_MAX_SECONDS", default=5.0)
# Seconds a process keeps its copy of reference data (categories, published policy versions; see
# occ/refcache.py): a save clears the saving process's copy at once, others reload after this.
OCC_REFERENCE_TTL = env.int("OCC_REFERENCE_TTL", default=30)
# Entity rows that are their own outbox entry (no extra INSERT in the intake), relayed likewise.
OCC_OUTBOX_SOURCES = ["complaints.services.acknowledgements.acknowledgements_relay"]
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "occ.outbox.tasks.outbox_relay",
        "schedule": timedelta(seconds=env.float("OCC_OUTBOX_BEAT_SECONDS", default=5.0)),
        "options": {"expires": 30},
    },
    "acknowledgements-retry-due": {
        "task": "complaints.tasks.acknowledgements_retry_due",
        "schedule": timedelta(minutes=10),
    },
    "purge-idempotency-records": {
        "task": "complaints.tasks.idempotency_records_purge",
        "schedule": timedelta(hours=1),
    },
    # the replay guard of every machine client (occ.signing.inbound)
    "signed-request-nonces-purge": {
        "task": "occ.signing.tasks.signed_request_nonces_purge",
        "schedule": timedelta(minutes=15),
    },
}

# --- e-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="1212 OCC <no-reply@occ.example>")

# --- audit -------------------------------------------------------------------------------------
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False

# --- the centre's own rules ------------------------------------------------------------------
OCC = {
    "ATTACHMENT_MAX_BYTES": env.int("OCC_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    "ATTACHMENT_MAX_COUNT": env.int("OCC_ATTACHMENT_MAX_COUNT", default=10),
    # an evidence image larger than this is refused before it is decoded (decompression bombs)
    "IMAGE_MAX_PIXELS": env.int("OCC_IMAGE_MAX_PIXELS", default=40_000_000),
    "IDEMPOTENCY_TTL_HOURS": env.int("OCC_IDEMPOTENCY_TTL_HOURS", default=24),
    "DEFAULT_PHONE_REGION": "TH",
    "REFERENCE_PREFIX": env.str("OCC_REFERENCE_PREFIX", default="OCC"),
    "PUBLIC_TRACK_URL": env.str("OCC_PUBLIC_TRACK_URL", default="http://127.0.0.1:8000/api/v1/track/"),
}

# Open311 GeoReport v2 for partner apps: a single-jurisdiction server (jurisdiction_id optional).
OPEN311 = {"JURISDICTION_ID": env.str("OPEN311_JURISDICTION_ID", default="1212.go.th")}

# Logs: one line per record with the request id (and task id in a worker). LOG_FORMAT=json (the
# production default) writes one JSON object per line; see docs/operations.md, "Logs".
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
CONSOLE = {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "occ.observability.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "occ.observability.logs.JsonFormatter"},
    },
    "handlers": {"console": CONSOLE},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
# Bearer secret for GET /metrics/ (Prometheus); unset: the endpoint answers 404.
OCC_METRICS_TOKEN = env.str("OCC_METRICS_TOKEN", default="")

# --- Content-Security-Policy on every response (django-csp 4) -----------------------------------
# No inline script or style anywhere: the pages load occ.css, occ.js and the vendored htmx from
# 'self', and a script tag also carries the per-response nonce. data: images are the OTP QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

AUDITLOG_MASK_CALLABLE = "occ.audit.mask_value"
AXES_VERBOSE = False


# --- feature areas: each keeps its settings in occ/settings/parts/<area>.py ---------------------
# Every setting of a part is imported by name (no star import), so readers and type checkers see
# each one; tests/test_project.py fails when a part defines a setting this list leaves out. Each
# part's BEAT joins the beat schedule. A new part is one more pair of imports here.
from .parts import email as _email  # noqa: E402
from .parts import privacy_ops as _privacy_ops  # noqa: E402
from .parts import routing as _routing  # noqa: E402
from .parts import tasks as _tasks  # noqa: E402
from .parts import telephony as _telephony  # noqa: E402
from .parts import web as _web  # noqa: E402
from .parts.email import (  # noqa: E402
    OCC_ACK_PER_SENDER_PER_HOUR,
    OCC_EMAIL_INGEST_WORKERS,
    OCC_EMAIL_MAX_BYTES,
    OCC_EMAIL_RULES_TTL,
    OCC_FAX_TO_EMAIL_SENDERS,
    OCC_IMAP,
    OCC_MAIL_GATEWAY_MAX_SKEW_SECONDS,
    OCC_MAIL_GATEWAY_SECRET,
    OCC_MAIL_GATEWAY_SECRETS,
    OCC_MAILBOX_ADDRESS,
)
from .parts.privacy_ops import (  # noqa: E402
    OCC_CLOSED_ANONYMISE_AFTER_DAYS,
    OCC_DSR_CODE_MAX_ATTEMPTS,
    OCC_DSR_CODE_TTL_MINUTES,
    OCC_DSR_DUE_DAYS,
    OCC_FINGERPRINT_KEYS,
    OCC_HOLD_CEILING_DAYS,
    OCC_PROCESSORS,
    OCC_PURGE_BATCH,
    OCC_SMS_BACKEND,
    OCC_TRAFFIC_RETENTION_DAYS,
)
from .parts.routing import (  # noqa: E402
    OCC_DELIVERY_BACKOFF_SECONDS,
    OCC_DELIVERY_LEASE_SECONDS,
    OCC_DELIVERY_MAX_ATTEMPTS,
    OCC_SEAL_KEY_AUTOCREATE,
    OCC_SEAL_KEY_PATH,
    OCC_WEBHOOK_CONNECT_TIMEOUT,
    OCC_WEBHOOK_READ_TIMEOUT,
)
from .parts.tasks import (  # noqa: E402
    _QUEUE_OF,
    CELERY_DB_REUSE_MAX,
    CELERY_TASK_CREATE_MISSING_QUEUES,
    CELERY_TASK_DEFAULT_QUEUE,
    CELERY_TASK_ROUTES,
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS,
    CELERY_WORKER_HIJACK_ROOT_LOGGER,
    CELERY_WORKER_SEND_TASK_EVENTS,
    OCC_OUTBOX_BATCH_SIZE,
    OCC_OUTBOX_BATCHED,
    OCC_TASK_QUEUES,
)
from .parts.telephony import (  # noqa: E402
    AWS_DEFAULT_ACL,
    AWS_LOCATION,
    AWS_QUERYSTRING_AUTH,
    AWS_QUERYSTRING_EXPIRE,
    AWS_S3_ENDPOINT_URL,
    AWS_S3_FILE_OVERWRITE,
    AWS_S3_MAX_MEMORY_SIZE,
    AWS_S3_OBJECT_PARAMETERS,
    AWS_S3_REGION_NAME,
    AWS_S3_SIGNATURE_VERSION,
    AWS_STORAGE_BUCKET_NAME,
    OCC_FAX_GATEWAY_SECRETS,
    OCC_FAX_MAX_BYTES,
    OCC_FAX_MAX_PAGE_PIXELS,
    OCC_FAX_MAX_PAGES,
    OCC_FAX_PREVIEW_WIDTH,
    OCC_MACHINE_MAX_SKEW_SECONDS,
    OCC_PBX_SECRETS,
    OCC_RECORDING_MAX_BYTES,
    OCC_UPLOAD_CHUNK_MAX_BYTES,
    OCC_UPLOAD_SESSION_HOURS,
)
from .parts.web import (  # noqa: E402
    LOGIN_URL,
    OCC_SCREENSHOT_DIR,
    OTP_TOTP_ISSUER,
    STATICFILES_DIRS,
)

for _part in (_email, _telephony, _routing, _privacy_ops, _web, _tasks):
    CELERY_BEAT_SCHEDULE.update(_part.BEAT)
