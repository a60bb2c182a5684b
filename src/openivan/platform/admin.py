from django.contrib import admin

from openivan.platform.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records kept as proof: shown, never added, changed or deleted here."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Nhật ký kiểm toán, for reading only: nobody edits or deletes the audit log here."""

    list_display = ("at", "actor", "action", "target")
    list_filter = ("action",)
    search_fields = ("actor", "target")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "action", "target", "details")
