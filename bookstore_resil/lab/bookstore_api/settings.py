"""Settings of the lab's Bookstore API. The database and the CDN are found through the
lab's records (``$BOOKSTORE_LAB_RECORDS``), as the real one finds them through DNS; the
Django secret and the database password are the lab's own, read from the file
``$BOOKSTORE_LAB_SECRETS`` names (there is no default secret)."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

from .records import lookup

BUCKET = "cdn.bookstore.pingpublications.com"


def _lab_secrets() -> dict:
    try:
        with open(os.environ["BOOKSTORE_LAB_SECRETS"], encoding="utf-8") as handle:
            return json.load(handle)
    except (KeyError, OSError, ValueError) as error:
        message = f"the lab's credentials ($BOOKSTORE_LAB_SECRETS): {error}"
        raise ImproperlyConfigured(message) from None


_LAB_SECRETS = _lab_secrets()

SECRET_KEY = _LAB_SECRETS["django_secret_key"]
LAB_ENDPOINT_KEY = _LAB_SECRETS["endpoint_key"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bookstore_api.urls"
WSGI_APPLICATION = "bookstore_api.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "bookstore_api.books",
]
# Outermost, so that every answer (an error page too) proves it is the lab's.
MIDDLEWARE = ["bookstore_api.identity.ProveIdentity", "django.middleware.common.CommonMiddleware"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": {
        # Resolves the host and port from the ``db`` record on every new connection.
        "ENGINE": "bookstore_api.dbbackend",
        "NAME": "bookstore",
        "USER": "postgres",
        "PASSWORD": _LAB_SECRETS["db_password"],
        "CONN_MAX_AGE": 60,  # kept; see dbbackend for when it is closed sooner
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 2},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Static files live on the CDN bucket, not on the API.
_CDN = lookup("cdn")
STATIC_URL = f"{_CDN}/{BUCKET}/static/" if _CDN else "/static/"
STATIC_ROOT = os.environ.get("BOOKSTORE_LAB_STATIC_ROOT") or None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
