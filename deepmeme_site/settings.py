"""The one settings module. Everything that differs between machines comes from the environment
(django-environ); every value has an embedded default so a fresh checkout runs with none set."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=LOCAL_HOSTS)
# Production is detected, not declared: DEBUG off and a host that is not this machine. Then the
# secure defaults below switch on by themselves; `make run`, the CLIs, the tests and a server on
# 127.0.0.1/localhost over plain HTTP stay as they are with no variable set.
PRODUCTION = not DEBUG and any(host.lower() not in LOCAL_HOSTS for host in ALLOWED_HOSTS)
if PRODUCTION and SECRET_KEY in ("", DEV_SECRET_KEY):
    # Stop at start: with the published development key anyone could forge sessions and reset links.
    raise ImproperlyConfigured(
        f"DEBUG is off and ALLOWED_HOSTS names a real host ({', '.join(ALLOWED_HOSTS)}), but SECRET_KEY "
        "is not set (or is the development key). Set SECRET_KEY to a long random value, e.g. "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "storages",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "accounts",
    "memes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: an oversized upload is refused unread (413).
    "deepmeme_site.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The site's 404 page for an unknown meme even with DEBUG on (make run), not Django's debug page.
    "deepmeme_site.middleware.SiteNotFoundPageMiddleware",
    # django-csp's, with the settings-only policy string built once per process.
    "deepmeme_site.middleware.ContentSecurityPolicyMiddleware",
    # Last: it turns a login refused by django-axes into the lockout answer (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deepmeme_site.urls"
WSGI_APPLICATION = "deepmeme_site.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Keep connections open between requests (gunicorn workers) unless told otherwise.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` shares the SQLite file between the web server and its worker: wait for the other's
    # write lock (instead of "database is locked"), take it when a transaction starts (no deadlocking
    # lock upgrades), and let readers read while the other process writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a login attempt from a locked-out address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "memes:upload"
LOGOUT_REDIRECT_URL = "memes:feed"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# ml/fonts as /static/fonts/: the editor's live preview draws with the very font the server renders.
STATICFILES_DIRS = [BASE_DIR / "static", ("fonts", BASE_DIR / "ml" / "fonts")]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Serve static files straight from the app folders too, so `collectstatic` is optional in dev.
WHITENOISE_USE_FINDERS = True

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")


def build_storages(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    custom_domain: str = "",
    url_protocol: str = "https:",
    querystring_auth: bool = True,
) -> dict[str, Any]:
    """The STORAGES setting: local media by default, S3 (or an S3-compatible server) when a bucket
    is named. A function so tests can build the exact production configuration."""
    static = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
    if not bucket:
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": static}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "file_overwrite": False,
        "querystring_auth": querystring_auth,  # signed URLs: private memes stay private
        "default_acl": None,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if custom_domain:
        options["custom_domain"] = custom_domain
        options["url_protocol"] = url_protocol
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": static,
    }


STORAGES = build_storages(
    bucket=AWS_STORAGE_BUCKET_NAME,
    endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
    region=env.str("AWS_S3_REGION_NAME", default=""),
    custom_domain=env.str("AWS_S3_CUSTOM_DOMAIN", default=""),
    url_protocol=env.str("AWS_S3_URL_PROTOCOL", default="https:"),
    querystring_auth=env.bool("AWS_QUERYSTRING_AUTH", default=True),
)
# Local media is served by the app itself (see urls.py); with S3 the bucket serves it.
SERVE_MEDIA = not AWS_STORAGE_BUCKET_NAME

# Upload limits (memes.limits; checked by memes.checks.check_photo).
# Pillow's own decompression-bomb guard stays on.
MEME_MAX_UPLOAD_BYTES = env.int("MEME_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
MEME_MAX_PIXELS = env.int("MEME_MAX_PIXELS", default=40_000_000)
# A job that has shown no progress this long is presumed lost (its worker died, its message was
# lost): the sweeper sends it again, at most MEME_JOB_MAX_ATTEMPTS times, then reports it failed.
MEME_JOB_TIMEOUT_SECONDS = env.int("MEME_JOB_TIMEOUT_SECONDS", default=180)
# The worker writes each caption with the captioner model (ml.caption); off, or when the model
# fails, curated captions are used (memes.captioner). "Write another" needs it on.
CAPTIONER_ENABLED = env.bool("CAPTIONER_ENABLED", default=True)
MEME_JOB_MAX_ATTEMPTS = env.int("MEME_JOB_MAX_ATTEMPTS", default=3)
# Tests only: the worker pauses this long inside the real pipeline (after the faces were read), so
# a fault test can kill it mid-job at a known moment on a busy machine. Always 0 in production.
MEME_TEST_ONLY_JOB_PAUSE_SECONDS = env.float("MEME_TEST_ONLY_JOB_PAUSE_SECONDS", default=0.0)
# Let a 10 MB upload through Django's own limit so check_photo can give the clear message.
DATA_UPLOAD_MAX_MEMORY_SIZE = MEME_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process, right after the upload commits.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Redis: a message a worker took but never acknowledged (the worker was killed) is handed out again
# after this long. Matched to the job: longer than any healthy job, so a slow job is not run twice.
# (The filesystem broker below has no such timeout: there the sweeper alone brings a job back.)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=MEME_JOB_TIMEOUT_SECONDS + 60),
    # A Redis that hangs (rather than refusing) must not hold an upload request forever.
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # `make run`'s embedded mode: kombu's filesystem transport, a folder of message files that the web
    # server writes and its worker (`manage.py runlocal`) reads, so jobs run off the request with no
    # server to install. The folders are created by runlocal.
    CELERY_FILESYSTEM_DIR = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(BASE_DIR / "var" / "celery")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.25,  # seconds between looks at the folder: the job starts promptly
    }
    # One solo worker beside the web server: no broadcast commands to listen for.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-job gives the job back
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a job with the broker down fails within a second or two (the meme stays queued and the
# sweeper sends it later) instead of holding the upload request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
# celery beat runs the sweeper (memes.tasks.sweep_memes): memes stuck queued or processing (a lost
# message, a killed worker, a broker that was down at upload) are sent to a worker again.
MEME_SWEEP_INTERVAL_SECONDS = env.int("MEME_SWEEP_INTERVAL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-memes": {
        "task": "memes.tasks.sweep_memes",
        "schedule": float(MEME_SWEEP_INTERVAL_SECONDS),
        # A sweep nobody ran in time is dropped: the next one does the same work.
        "options": {"expires": float(MEME_SWEEP_INTERVAL_SECONDS)},
    }
}

# --- cache -------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://deepmeme")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # django-redis (not Django's own Redis backend) because it can treat a down Redis as a miss:
    # with IGNORE_EXCEPTIONS pages, login and the feed keep working from the database, and the
    # throttles (cache-counted) fail open. Short timeouts so a hung Redis costs each request little.
    CACHES["default"]["BACKEND"] = "django_redis.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
    )
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # an outage shows in the log, not as 500s
# Sessions are read from the cache first (written through to the database), which saves every
# signed-in request a database round trip; on a cache miss, or with Redis down, they come from the
# database, so nobody is logged out by a Redis restart.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Anonymous feed pages are cached this long (seconds); 0 turns it off.
FEED_CACHE_SECONDS = env.int("FEED_CACHE_SECONDS", default=5)

# --- email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DeepMeme <noreply@deepmeme.local>")

# --- REST API (/api/v1/: apikit, deepmeme_site/api_urls.py) ------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "apikit.docs.AutoSchema",
    # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`. Session auth keeps
    # the browsable API and Swagger UI working for a signed-in browser. No Basic auth: it would let
    # password guessing bypass the login throttle.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apikit.authentication.TokenAuthentication",  # DRF's, with a cheaper lookup
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "apikit.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # the upload adds multipart
    # Per-IP throttles trust X-Forwarded-For only from this many proxies in front of us (0: none),
    # so a client cannot dodge its limit by sending the header itself.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# "<scope>_user" limits a signed-in person, "<scope>_ip" an address. The same rates limit the web
# forms (apikit.throttles.check_rate). Logins are limited by django-axes instead (below).
# Each is overridable, e.g. API_THROTTLE_LOGIN_IP=100/min; an empty value turns that limit off.
API_THROTTLE_RATES = {
    scope: env.str(f"API_THROTTLE_{scope.upper()}", default=rate) or None
    for scope, rate in {
        "signup_ip": "20/hour",
        "password_reset_ip": "10/hour",
        "upload_user": "30/hour",
        "upload_ip": "60/hour",
        "write_captions_user": "60/hour",  # "write another" runs the caption model (~1 s of CPU)
        "write_captions_ip": "120/hour",
        "comment_user": "20/min",
        "comment_ip": "60/min",
        "suggest_user": "20/hour",
        "report_user": "30/hour",
    }.items()
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DeepMeme API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Everything the web pages do, over JSON, for mobile clients. Authenticate with "
        "`Authorization: Token <key>` (from sign-up or login). Every error has the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,  # multipart upload documented as a binary file
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"EmotionEnum": "ml.emotions.EMOTIONS"},
    # The API's path converters (deepmeme_site/api_urls.py), so clients see the exact id formats.
    "PATH_CONVERTER_OVERRIDES": {
        "meme_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"},
        "username": {"type": "string", "pattern": r"^[\w.@+-]{1,150}$"},
    },
}

# --- login limiting (django-axes) -----------------------------------------------------------------
# One limiter for the login page, the admin login and the API login, all through authenticate().
# Why axes and not DRF throttles: it hooks into authenticate() itself, so no login path can be
# missed; it counts failures only; and its database handler keeps working while Redis is down.
# Locked: an (account, address) pair after LOGIN_FAILURE_LIMIT failures, an address after
# LOGIN_FAILURE_LIMIT_PER_ADDRESS (accounts.login_limits.LoginLimitHandler); never an account alone,
# so guesses from elsewhere cannot lock out a person who knows their password.
AXES_HANDLER = "accounts.login_limits.LoginLimitHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# The same client address as the API throttles (X-Forwarded-For only from API_NUM_PROXIES proxies).
AXES_CLIENT_IP_CALLABLE = "accounts.login_limits.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.lockout_response"
AXES_VERBOSE = False

# --- security (on by default in production, each switchable, e.g. behind a TLS proxy) ----------
# A proxy that terminates TLS says so in X-Forwarded-Proto; trust it only when told to.
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Off when the proxy already redirects http -> https (or for a plain-HTTP test box).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
# HSTS: browsers remember to use https only. 0 turns it off (e.g. the proxy sends its own header).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def media_origins(*, bucket: str, endpoint_url: str, custom_domain: str, url_protocol: str) -> list[str]:
    """Where browsers load meme images from, for the Content-Security-Policy's img-src."""
    if not bucket:
        return []  # served by the app itself
    if custom_domain:
        return [f"{url_protocol}//{custom_domain.split('/')[0]}"]
    if endpoint_url:
        scheme, _, rest = endpoint_url.partition("://")
        return [f"{scheme}://{rest.split('/')[0]}"]
    return ["https://*.amazonaws.com"]


# Content-Security-Policy (django-csp): only our own scripts, styles, fonts and images, no inline
# script anywhere (the pages use static/js; Swagger UI's init script comes as a file, see
# apikit urls). Style *attributes* are allowed: the meme page draws face boxes and probability bars
# with computed widths, and a style attribute cannot run code. The one inline <style> block
# (Swagger UI's) carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [
            SELF,
            "data:",
            "blob:",
            *media_origins(
                bucket=AWS_STORAGE_BUCKET_NAME,
                endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
                custom_domain=env.str("AWS_S3_CUSTOM_DOMAIN", default=""),
                url_protocol=env.str("AWS_S3_URL_PROTOCOL", default="https:"),
            ),
            *env.list("CSP_EXTRA_IMG_SRC", default=[]),
        ],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"memes": {"level": env.str("LOG_LEVEL", default="INFO")}},
}
