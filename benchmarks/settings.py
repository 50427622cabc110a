"""Settings for benchmark servers: the default profile, PostgreSQL from DATABASE_URL, DEBUG off,
throttles out of the way, plus one bare view for the baseline."""

from occ.settings.default import *  # noqa: F403
from occ.settings.default import REST_FRAMEWORK

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000000/min"),
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
