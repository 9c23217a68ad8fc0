"""The one settings module. Everything that differs between machines comes from the environment
(django-environ); every value has an embedded default so a fresh checkout runs with none set."""

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
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
    "accounts",
    "memes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# Upload limits (memes.services.check_photo). Pillow's own decompression-bomb guard stays on.
MEME_MAX_UPLOAD_BYTES = env.int("MEME_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
MEME_MAX_PIXELS = env.int("MEME_MAX_PIXELS", default=40_000_000)
# A job older than this that is still queued/processing is reported failed, never left spinning.
MEME_JOB_TIMEOUT_SECONDS = env.int("MEME_JOB_TIMEOUT_SECONDS", default=600)
# Let a 10 MB upload through Django's own limit so check_photo can give the clear message.
DATA_UPLOAD_MAX_MEMORY_SIZE = MEME_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process, right after the upload commits.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-job gives the job back
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- cache -------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://deepmeme")}
# Sessions are read from the cache first (written through to the database), which saves every
# signed-in request a database round trip; with the default per-process cache it falls back to the DB.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Anonymous feed pages are cached this long (seconds); 0 turns it off.
FEED_CACHE_SECONDS = env.int("FEED_CACHE_SECONDS", default=5)

# --- email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DeepMeme <noreply@deepmeme.local>")

# --- REST API (/api/v1/, deepmeme_site/api) -----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "deepmeme_site.api.docs.AutoSchema",
    # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`. Session auth keeps
    # the browsable API and Swagger UI working for a signed-in browser. No Basic auth: it would let
    # password guessing bypass the login throttle.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "deepmeme_site.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # the upload adds multipart
    # Per-IP throttles trust X-Forwarded-For only from this many proxies in front of us (0: none),
    # so a client cannot dodge its limit by sending the header itself.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# "<scope>_user" limits a signed-in person (login: the account being tried), "<scope>_ip" an address.
# Each is overridable, e.g. API_THROTTLE_LOGIN_IP=100/min; an empty value turns that limit off.
API_THROTTLE_RATES = {
    scope: env.str(f"API_THROTTLE_{scope.upper()}", default=rate) or None
    for scope, rate in {
        "signup_ip": "20/hour",
        "login_user": "10/min",
        "login_ip": "30/min",
        "password_reset_ip": "10/hour",
        "upload_user": "30/hour",
        "upload_ip": "60/hour",
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
    # The API's path converters (deepmeme_site/api/urls.py), so clients see the exact id formats.
    "PATH_CONVERTER_OVERRIDES": {
        "meme_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"},
        "username": {"type": "string", "pattern": r"^[\w.@+-]{1,150}$"},
    },
}

# --- security behind a proxy (docker) ----------------------------------------------------------
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"memes": {"level": env.str("LOG_LEVEL", default="INFO")}},
}
