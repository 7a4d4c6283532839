"""The yardstick of ``bench/api.py``: a bare Django REST framework view.

One ``APIView`` returning a small dict, Django's default middleware (as ``startproject`` writes
it), DRF's default settings (session and basic authentication, any caller allowed, JSON and
browsable renderers), no database query. This module is at once the settings, the URL
configuration and the WSGI application:

    DJANGO_SETTINGS_MODULE=bare_drf gunicorn --pythonpath bench bare_drf:application
"""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = __name__

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-bare-drf-view-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES: dict = {}  # the view reads nothing

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.urls import path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class BareView(APIView):
    def get(self, request):
        return Response({"status": "ok", "items": [1, 2, 3]})


urlpatterns = [path("bare/", BareView.as_view())]
