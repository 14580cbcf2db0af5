"""Django settings of the test identity provider. Read from the environment that
``python -m devidp`` sets up (DEVIDP_DATA, DEVIDP_HOST, DEVIDP_PORT, DEVIDP_SECRET)."""

import os
from pathlib import Path

from devidp import config

DATA_DIR = Path(os.environ.get("DEVIDP_DATA", "esafety-data/devidp")).resolve()
HOST = os.environ.get("DEVIDP_HOST", "127.0.0.1")
PORT = int(os.environ.get("DEVIDP_PORT", "8900"))

CONFIG = config.load_or_create(DATA_DIR, os.environ.get("DEVIDP_STYLE") or None,
                               os.environ.get("DEVIDP_TENANT") or None)
STYLE = CONFIG.style
TENANT = CONFIG.tenant
ORIGIN = f"http://{'[' + HOST + ']' if ':' in HOST else HOST}:{PORT}"
ISSUER = ORIGIN + CONFIG.issuer_path
ADMIN_SECRET = config.admin_secret(DATA_DIR, os.environ.get("DEVIDP_SECRET") or None)

SECRET_KEY = config.admin_secret(DATA_DIR, name="django-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1", HOST]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "devidp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "devidp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "devidp.sqlite3",
        # Several browsers at once: readers never wait for the writer, and a write takes the
        # lock when it begins (no deadlock between two upgrading readers).
        "OPTIONS": {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;",
                    "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Test only: fast hashing. The provider never holds a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "devidp:login"
LOGIN_REDIRECT_URL = "devidp:home"
# Its own cookie names, so a browser signed in to esafety on the same host (127.0.0.1, another
# port: cookies ignore ports) keeps both sessions.
SESSION_COOKIE_NAME = "devidp_session"
CSRF_COOKIE_NAME = "devidp_csrftoken"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": config.signing_key(DATA_DIR),
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": False,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and username",
        "email": "Your email address",
        "offline_access": "Stay signed in",
        "User.Read": "Read your profile (Entra style)",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "devidp.validator.Validator",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
