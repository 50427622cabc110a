"""Embedded default profile: works with no environment at all.

SQLite file, Celery tasks run eagerly in-process, files on local disk, console e-mail and a
development secret key. Setting DATABASE_URL / CELERY_BROKER_URL switches to PostgreSQL / Redis.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production-1212")
OCC_DEMO_USERS_ALLOWED = True
