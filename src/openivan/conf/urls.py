from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView

from openivan.accounts.views import ThrottledAdminAuthenticationForm
from openivan.platform import views
from openivan.platform.api import api

# The admin's sign-in counts failures like the portal's (accounts.views.ThrottledLogin).
admin.site.login_form = ThrottledAdminAuthenticationForm
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
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", views.home, name="home"),
    path("tai-khoan/", include("openivan.accounts.urls")),
    path("admin/", admin.site.urls),
]
if "agency" in settings.ROLES:
    urlpatterns.append(path("", include("openivan.agency.urls")))
if "provider" in settings.ROLES:
    urlpatterns.append(path("", include("openivan.provider.urls")))
if settings.OPENIVAN_DEMO_MAILBOX:
    urlpatterns.append(path("", include("openivan.demo.urls")))
