"""Django settings, read from the environment through strict helpers.

Per-school choices (year start, working hours, the designated person...) live in the
database, not here. SQLite by default; PostgreSQL through DATABASE_URL.
"""

import atexit
import datetime
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from esafety import datadir
from esafety.errors import ConfigurationError
from esafety.web import filemodes

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise ConfigurationError(f"{name} must be between {minimum} and {maximum}, not {number}")
    return number


def env_origins(name: str) -> list[str]:
    """Origins such as https://esafety.school.sch.uk, as CSRF_TRUSTED_ORIGINS needs them."""
    origins = env_list(name, [])
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if not sep or scheme not in {"http", "https"} or not host or "/" in host:
            raise ConfigurationError(
                f"{name}: {origin!r} is not an origin; write it as https://host.example")
    return origins


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` or `X-Forwarded-Proto: https` -> ("HTTP_X_FORWARDED_PROTO", "https").

    Set it only when a proxy you run sets (and overwrites) that header: anyone who can reach
    esafety directly could otherwise claim their plain connection is secure.
    """
    value = (os.environ.get(name) or "").strip()
    if not value:
        return None
    header, _, expected = value.replace("=", ":", 1).partition(":")
    header, expected = header.strip(), expected.strip() or "https"
    if not header or not all(c.isalnum() or c == "-" for c in header):
        raise ConfigurationError(f"{name} must be a header name such as X-Forwarded-Proto, "
                                 f"not {value!r}")
    return "HTTP_" + header.upper().replace("-", "_"), expected


# Where the SQLite database, uploaded files and published snapshots live. Others may only
# pass through it (Squid's helper reads filtering/): it holds evidence about children.
DATA_DIR = datadir.data_dir().resolve()


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    # A self-hosted install should not need a hand-made secret: make one once and keep it.
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        filemodes.private_dir(DATA_DIR, passable=True)
        key = secrets.token_urlsafe(50)
        filemodes.write_private(key_file, key.encode(), mode=0o600)
        return key


filemodes.private_dir(DATA_DIR, passable=True)
SECRET_KEY = _secret_key()
# Keys the audit trail's and the incident log's hash chains (esafety/keys.py). Unset: made
# once and kept in DATA_DIR/chain_key (0600). Never stored in the database.
CHAIN_KEY = os.environ.get("ESAFETY_CHAIN_KEY", "")
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "esafety.web",
    "esafety.audit",
    "esafety.directory",
    "esafety.policies",
    "esafety.checks",
    "esafety.filtering",
    "esafety.incidents",
    "esafety.concerns",
    "esafety.notices",
    # Before allauth, so its templates (the provider's confirm page) use the house's look.
    "esafety.identity",
    "esafety.network",
    "esafety.mailfilter",
    "esafety.mailmonitor",
    "esafety.api",
    "esafety.standards",
    "esafety.authorisations",
    "esafety.public",
    "esafety.consent",
    "esafety.devices",
    "esafety.training",
    "esafety.retention",
    "esafety.governance",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # Background work (esafety/tasks.py): Django's task interface, the django-tasks backport.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "esafety.web.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "esafety.web.middleware.IdleSignOutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Before the AUP gate: a leader gives their two-factor code before anything else.
    "esafety.identity.middleware.TwoFactorMiddleware",
    "esafety.web.middleware.StripNulFromAddressesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "esafety.network.middleware.InternetSignInNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "esafety.policies.middleware.AcceptableUseGateMiddleware",
    # Last, so it sees the sign-in view's answer and can turn it into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "esafety.urls"
WSGI_APPLICATION = "esafety.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "esafety.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'esafety.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Nothing is lost under load: in WAL mode readers never block the writer; every write
    # transaction takes the write lock when it begins (IMMEDIATE), so it waits its turn for
    # up to `timeout` seconds instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_TIMEOUT", 30, minimum=1, maximum=600),
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # The test database is a real file too (one per test run), so tests that serve the app
    # to many threads meet the same locking as a school's server.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"esafety-test-{os.getpid()}.sqlite3"),
    }
    # Django deletes the test database file; its -wal and -shm files go with it at exit.
    atexit.register(filemodes.remove_sqlite_leftovers, Path(DATABASES["default"]["TEST"]["NAME"]))
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name and _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        filemodes.secure_sqlite(Path(_sqlite_name))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "directory.Person"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "esafety.directory.backends.SchoolAccessBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Serve straight from the package: a self-hosted demo must not need collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "files"
# Uploads (scanned forms, evidence) are never served by URL: views check access first.
FILE_UPLOAD_PERMISSIONS = filemodes.PRIVATE_FILE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = filemodes.PRIVATE_DIR
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Background work (esafety/tasks.py, run by `esafety worker`): the queue lives in the
# database unless ESAFETY_TASKS_BACKEND=rq puts it in Redis (ESAFETY_REDIS_URL) for a trust's
# many workers. The same call sites enqueue either way.
TASKS_BACKEND = (os.environ.get("ESAFETY_TASKS_BACKEND") or "database").strip().lower()
TASKS: dict[str, dict[str, object]]
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ.get("ESAFETY_REDIS_URL")
                             or "redis://127.0.0.1:6379/0"}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    raise ConfigurationError(
        f"ESAFETY_TASKS_BACKEND={TASKS_BACKEND!r}: use 'database' (the default) or 'rq'.")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "esafety@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session lasts at most a working day; signed-in people who walk away are signed out
# after a while without using it (esafety.web.middleware.IdleSignOutMiddleware): staff,
# governors and guests after STAFF_IDLE_MINUTES, pupils and parents after PUPIL_IDLE_MINUTES
# (longer, so a child writing slowly about something hard is not cut off).
SESSION_COOKIE_AGE = 12 * 60 * 60
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
PUPIL_IDLE_MINUTES = env_int("PUPIL_IDLE_MINUTES", 60, minimum=1, maximum=24 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind a reverse proxy that ends HTTPS (README, "Behind a reverse proxy"):
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto and CSRF_TRUSTED_ORIGINS=https://your.host.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
# The proxies whose X-Forwarded-For names the real client (for sign-in throttling).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# HSTS once the site is served over HTTPS (secure cookies say it is): a year by default.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False

# Content security policy: only this site's own files (styles, images, the people picker's
# script; every page also works without JavaScript), nothing inline, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# Sign-in throttling (django-axes, esafety.web.signin): five wrong passwords for one
# account from one address pause that pair; a hundred from one address pause the address
# (unless it is the school's own network, where hundreds of pupils share one address).
# Pauses end on their own after SIGNIN_COOLOFF_MINUTES; nothing needs unlocking by hand.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "esafety.web.signin.SchoolSignInHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
SIGNIN_ACCOUNT_LIMIT = env_int("SIGNIN_ACCOUNT_LIMIT", 5, minimum=1)
SIGNIN_ADDRESS_LIMIT = env_int("SIGNIN_ADDRESS_LIMIT", 100, minimum=1)
SIGNIN_COOLOFF_MINUTES = env_int("SIGNIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60)
SIGNIN_SCHOOL_NETWORKS = env_list("SIGNIN_SCHOOL_NETWORKS", [])
AXES_FAILURE_LIMIT = SIGNIN_ACCOUNT_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "esafety.web.signin.client_address"
AXES_LOCKOUT_CALLABLE = "esafety.web.signin.lockout_response"
AXES_VERBOSE = False

# The school's own identity provider (esafety/identity): allauth runs OpenID Connect; each
# school's provider is a row (identity.SchoolSignIn, copied to an allauth SocialApp). Nobody
# signs up: a sign-in nobody can match waits for the IT manager (identity.UnmatchedSignIn).
SOCIALACCOUNT_ADAPTER = "esafety.identity.adapters.SchoolSocialAccountAdapter"
ACCOUNT_ADAPTER = "esafety.identity.adapters.NoSignUpAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Checks every id_token's signature, issuer, audience, nonce and expiry itself.
        "provider_class": "esafety.identity.oidc.SchoolOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,
    },
}
# A link starts the sign-in (a form's redirect to the provider would break the page's
# form-action policy); the state, nonce and PKCE still bind the answer to this browser.
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
ACCOUNT_EMAIL_VERIFICATION = "none"
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "esafety")
# A code from the 30 seconds before or after is still right: phones' clocks drift.
MFA_TOTP_TOLERANCE = 1
# How long (seconds) an identity provider may take to answer before its page says it is down.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("IDENTITY_PROVIDER_TIMEOUT", 10, minimum=1, maximum=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
