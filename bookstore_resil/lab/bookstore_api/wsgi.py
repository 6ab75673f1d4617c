import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookstore_api.settings")
application = get_wsgi_application()
# What a first request would import (the URLconf, its views and serializers, Django REST
# framework) is imported now: with gunicorn's --preload every worker is forked ready. A
# worker's first answer after a restart took 95 ms on an idle machine, over the probes'
# one second on a loaded one.
import_module(settings.ROOT_URLCONF)
