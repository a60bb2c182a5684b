from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from openivan.accounts.models import AccountProfile, SecondFactor
from openivan.accounts.services import second_factor
from openivan.core.errors import OpenIvanError


@admin.register(AccountProfile)
class AccountProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "tax_code", "display_name", "must_change_password",
                    "password_changed_at"]
    search_fields = ["user__username", "tax_code", "display_name"]


class StaffUserAdmin(UserAdmin):
    """Django's user admin, with each account's two-step verification shown and an action to
    reset it (a lost phone, no recovery code left)."""

    actions = ["reset_second_factor"]
    list_display = (*UserAdmin.list_display, "second_factor_set_up")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(second_factor_ok=Exists(
            SecondFactor.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)))

    @admin.display(description=_("Two-step verification"), boolean=True,
                   ordering="second_factor_ok")
    def second_factor_set_up(self, user: Any) -> bool:
        return bool(user.second_factor_ok)

    @admin.action(description=_("Reset two-step verification"), permissions=["change"])
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = []
        for user in queryset:
            try:
                second_factor.reset(user.get_username(), by=request.user)
            except OpenIvanError as exc:
                self.message_user(request, exc.message(request.LANGUAGE_CODE), messages.WARNING)
            else:
                done.append(user.get_username())
        if done:
            self.message_user(request, _("Two-step verification reset for: %(accounts)s. "
                                         "Their next sign-in sets up a new app.")
                              % {"accounts": ", ".join(done)}, messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
