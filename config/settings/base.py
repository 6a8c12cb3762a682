"""Settings shared by both roles, read from the environment (see README)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import env, reverse_proxy

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env.boolean("DEBUG", False)
if DEBUG:
    SECRET_KEY = env.string("SECRET_KEY", "insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.string("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
# Former keys, still accepted for signatures and manage links while what they made is in use (e.g. links in
# messages already sent) after SECRET_KEY is rotated.
SECRET_KEY_FALLBACKS = env.string_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "config.apps.AxesConfig",  # "axes", named in the admin
    "config.operations",  # health, metrics, backups: both roles
]

MIDDLEWARE = [
    # First: everything after it reads the client's address from REMOTE_ADDR (config/reverse_proxy.py).
    "config.reverse_proxy.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

# Lockout after repeated failed sign-ins (django-axes), per account *and* address: a guesser
# elsewhere cannot lock the real user out (the administrators are e-mailed: workspace/lockouts.py);
# guessing from many addresses is slowed by Argon2 and still needs the authenticator code.
# A successful sign-in resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "config.reverse_proxy.client_address"  # never a forwarded header by itself
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "libraries": {"openrdv_format": "config.template_format"},
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# The embedded default is a SQLite file; PostgreSQL (psycopg 3) when DATABASE_URL says so.
_DEFAULT_SQLITE = BASE_DIR / "var" / "openrdv.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env.string("DATABASE_URL", f"sqlite:///{_DEFAULT_SQLITE}"),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BEGIN IMMEDIATE takes the write lock up front, so concurrent bookings queue
    # instead of failing half-way; a wait longer than the timeout is "busy".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 5}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024  # bookings are tiny; refuse floods early (400)

REDIS_URL = env.string("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Argon2 for new passwords; older hashes still verify and are upgraded at the next login.
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

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.string("TIME_ZONE", "Europe/Paris")

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG  # in debug, serve straight from the apps, no collectstatic
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenRDV API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# E-mail: SMTP in production (EMAIL_HOST...), the console in development.
EMAIL_BACKEND = env.string(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env.string("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # the file-based backend's folder
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "OpenRDV <noreply@localhost>")

# Security: strict by default; behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env.boolean("BEHIND_TLS_PROXY", False)
# The proxies whose X-Forwarded-For is believed (addresses or networks); nobody else's is.
TRUSTED_PROXIES = reverse_proxy.parse_networks("TRUSTED_PROXIES", env.string_list("TRUSTED_PROXIES", []))
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Federation (federation/PROTOCOL.md): this server's public address and name, where its private
# keys live (outside the database; FEDERATION_KEY_PASSPHRASE or its _FILE encrypts them), and
# whether a peer may send it to private addresses (only the demo and tests).
OPENRDV_BASE_URL = env.string("OPENRDV_BASE_URL", "")  # empty: taken from each request's host
OPENRDV_SERVER_NAME = env.string("OPENRDV_SERVER_NAME", "")
FEDERATION_KEY_DIR = Path(env.string("FEDERATION_KEY_DIR", str(BASE_DIR / "var" / "federation-keys")))
FEDERATION_KEY_PASSPHRASE = env.string("FEDERATION_KEY_PASSPHRASE", "")
FEDERATION_ALLOW_PRIVATE_ADDRESSES = env.boolean("FEDERATION_ALLOW_PRIVATE_ADDRESSES", False)

# Backups (config/operations/backup.py, deploy/README.md "Backups").
BACKUP_DIR = Path(env.string("BACKUP_DIR", "/var/backups/openrdv"))
BACKUP_PASSPHRASE_FILE = env.string("BACKUP_PASSPHRASE_FILE", "")  # required outside DEBUG
BACKUP_REMOTE = env.string("BACKUP_REMOTE", "")  # an rsync destination: user@host:/path or a folder
OPENRDV_ENV_FILE = env.string("OPENRDV_ENV_FILE", "")  # the environment file saved with each backup

# Logs carry ids and outcomes, never a patient's name, phone or birth date.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Health and monitoring (config/operations/): /metrics answers loopback clients and holders of this bearer
# token only. A role lists its lag checks (name: function(now) -> bool) and its database-read gauges.
METRICS_TOKEN = env.string("METRICS_TOKEN", "")
OPERATIONS_LAG_CHECKS: dict[str, str] = {}
OPERATIONS_GAUGES = ""
# Production: a folder shared by gunicorn's and Celery's processes (on /run, emptied at boot), where each one
# writes its counters for a scrape to add up (config/operations/metrics.py). It must exist before they count.
if _metrics_folder := env.string("PROMETHEUS_MULTIPROC_DIR", ""):
    Path(_metrics_folder).mkdir(parents=True, exist_ok=True)
# A monitor or the upgrade script asks these over plain HTTP on the machine itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
