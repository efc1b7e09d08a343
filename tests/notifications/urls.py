"""A small URL configuration for these tests while the project's does not route the app yet:
the sign-in page (the preferences page redirects there) and this app's pages."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
]
