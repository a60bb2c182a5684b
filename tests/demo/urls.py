"""The platform's pages with the demo's, whatever the process saw at start-up (the platform
adds them only when OPENIVAN_DEMO_MAILBOX is set before its URLs load)."""

from django.urls import include, path

from openivan.conf.urls import urlpatterns as platform

urlpatterns = [*platform, path("", include("openivan.demo.urls"))]
