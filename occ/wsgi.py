import os

from occ.handlers import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occ.settings.default")
application = get_wsgi_application()
