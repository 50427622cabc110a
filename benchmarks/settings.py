"""Settings for benchmark servers: the default profile, PostgreSQL from DATABASE_URL, DEBUG off,
plus one bare view for the baseline.

Throttles: with BENCH_THROTTLES=production (benchmarks/intake.py sets it) the production rates
stay on, behind one trusted proxy (NUM_PROXIES=1) so the load generator can send each request from
its own X-Forwarded-For address as real citizens would; the throttle then costs what it costs in
production (one cache read and write per request, on Redis when REDIS_CACHE_URL is set). Other
benchmarks drive many requests from one address and turn the throttles out of the way."""

import os

from occ.settings.default import *  # noqa: F403
from occ.settings.default import REST_FRAMEWORK

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
if os.environ.get("BENCH_THROTTLES") == "production":
    REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": 1}
else:
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000000/min"),
    }
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
