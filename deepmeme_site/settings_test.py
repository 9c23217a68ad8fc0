"""Test settings: the real settings plus fast hashing and the local services' embedded defaults,
so `pytest` needs no environment variables on a machine with PostgreSQL and Redis running."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")

from .settings import *  # noqa: E402,F403
from .settings import BASE_DIR, env  # noqa: E402

# Unit tests run tasks in-process; the real-stack tests switch this off and start a worker.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
FEED_CACHE_SECONDS = 0
# Unit tests use curated captions (fast, predictable); the caption tests and the real-stack worker
# (plain settings) switch the captioner model on.
CAPTIONER_ENABLED = env.bool("CAPTIONER_ENABLED", default=False)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DEBUG = env.bool("DEBUG", default=False)
# collectstatic never runs in tests; WhiteNoise serves from the finders instead.
STATIC_ROOT = None
