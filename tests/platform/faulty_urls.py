"""The platform's URLs plus one view that fails, to see what a visitor gets from a fault."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from openivan.conf.urls import *  # noqa: F403 — the handlers too
from openivan.conf.urls import urlpatterns as platform_urls


def fault(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, with a secret detail: 4111-1111")


def reads_the_database(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok")


urlpatterns = [path("loi/", fault), path("api/v1/loi", fault),
               path("doc-csdl/", reads_the_database), *platform_urls]
