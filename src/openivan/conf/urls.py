"""The root URLs: the platform's own, then each installed app's (platform.registries)."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView

from openivan.platform import registries, views
from openivan.platform.api import mounted

# Deleting many rows at once writes the admin's log with bulk_create, which the audit log
# (platform.services.audit.admin_logged) never hears of; one at a time, every deletion is in it.
admin.site.disable_action("delete_selected")
# The admin under the platform's name, not "Trang quản trị cho Django" (issue 28).
admin.site.site_header = admin.site.site_title = gettext_lazy("OpenIVAN administration")

handler400 = "openivan.platform.views.bad_request"
handler403 = "openivan.platform.views.permission_denied"
handler404 = "openivan.platform.views.page_not_found"
handler500 = "openivan.platform.views.server_error"

urlpatterns = [
    path("api/v1/", mounted().urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    *(path(entry.prefix, include(entry.module)) for entry in registries.url_includes),
]
