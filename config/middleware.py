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


# --- A busy database is a 503, never a 500 --------------------------------------------------

# Seconds a client is asked to wait before trying again.
BUSY_RETRY_AFTER_SECONDS = 5
# PostgreSQL: lock_not_available (a lock_timeout ran out) and deadlock_detected.
_BUSY_SQLSTATES = {"55P03", "40P01"}


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` says another write held the lock this request needed: SQLite's
    "database is locked" once its busy timeout ran out, or a PostgreSQL lock timeout or
    deadlock. The request did nothing wrong; trying again later will do."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(exc).lower()
    return "database is locked" in message or "database table is locked" in message


def busy_response(request):
    """503 with Retry-After: JSON in the API's error shape under /api/, a page elsewhere."""
    import logging

    from django.http import HttpResponse, JsonResponse
    from django.template import loader

    logging.getLogger("django.request").warning("Database busy: %s", request.path)
    if request.path.startswith("/api/"):
        from api.exceptions import DatabaseBusy, error_body

        busy = DatabaseBusy()
        response = JsonResponse(
            error_body(
                "server_error",
                [{"field": None, "code": busy.default_code, "message": str(busy.detail)}],
            ),
            status=busy.status_code,
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html", request=request), status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """A view stopped by a busy database answers 503 with Retry-After (the API's own
    exception handler does the same for its views; `server_error` below for the rest)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            return busy_response(request)
        return None


def server_error(request):
    """handler500: Django calls it while handling the error, so the exception is at hand; a
    busy database (in a middleware, say saving the session) is a 503 here too."""
    import sys

    from django.views.defaults import server_error as default_server_error

    if is_database_busy(sys.exc_info()[1]):
        return busy_response(request)
    return default_server_error(request)
