"""The WSGI application, as every server runs it (`openivan manage serve`, or another)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openivan.conf.settings")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def without_body_for_head(app: Wsgi) -> Wsgi:
    """A HEAD request (a load balancer's or a monitor's check) gets the headers of the GET
    and no body. Django leaves that to the server and gunicorn sends the body: 3.8 KB after
    the headers of `HEAD /`, which a client keeping the connection reads as the start of its
    next answer."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "HEAD":
            return result
        close = getattr(result, "close", None)
        if close is not None:
            close()  # what the server would call after the body: Django ends the request
        return []

    return application


application = without_body_for_head(get_wsgi_application())
