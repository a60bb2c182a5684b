from django.contrib import admin

from openivan.accounts.models import AccountProfile


@admin.register(AccountProfile)
class AccountProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "tax_code", "display_name", "must_change_password",
                    "password_changed_at"]
    search_fields = ["user__username", "tax_code", "display_name"]
