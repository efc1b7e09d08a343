"""The project's routes plus Django's set_language view, for the language switcher tests
(config/urls.py gains the same `i18n/` route)."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("i18n/", include("django.conf.urls.i18n")), *project_urlpatterns]
