from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openivan import __version__
from openivan.conf import services


def status(request: HttpRequest) -> HttpResponse:
    return render(request, "openivan/status.html", {
        "version": __version__,
        "roles": settings.ROLES,
        "database": services.database_vendor(),
        "pending": services.pending_migrations(),
        "worker": services.worker_status(),
        "demo_mailbox": bool(settings.OPENIVAN_DEMO_MAILBOX),
    })


@require_POST
def ping_worker(request: HttpRequest) -> HttpResponse:
    services.ping_worker()
    return redirect("status")
