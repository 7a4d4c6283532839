import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")
django.setup(set_prefix=False)

from hds_platform.response_cache import FrontDoorHandler  # noqa: E402 -- needs the apps loaded

# Django's WSGI handler (get_wsgi_application) with the API's front door ahead of it.
application = FrontDoorHandler()
