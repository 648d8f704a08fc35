"""WSGI entry of the floor app: ``gunicorn floor.wsgi:application --pythonpath bench``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor.settings")
application = get_wsgi_application()
