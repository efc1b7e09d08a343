"""Refuse query strings carrying NUL characters before any view sees them.

PostgreSQL cannot store or compare text holding NUL, so such a value would reach the database
as an error (a 500). Pages get a plain 400; the API validates its own parameters."""

from django.http import HttpResponseBadRequest


class RejectNulQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API validates its parameters itself and answers in its own error shape.
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("The query string may not contain NUL characters.")
        return self.get_response(request)
