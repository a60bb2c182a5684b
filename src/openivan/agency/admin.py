from django.contrib import admin

from openivan.agency.models import Dossier, IvanProvider, UnitRegistration


@admin.register(IvanProvider)
class IvanProviderAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tax_code", "active", "created_at")
    readonly_fields = ("api_key_id", "api_key_hash")


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("number", "form_code", "unit_tax_code", "unit_name", "status", "received_at",
                    "decision_deadline")
    list_filter = ("status", "form_code")
    search_fields = ("number", "unit_tax_code", "unit_name", "message_id")
    readonly_fields = [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # dossiers come only through intake


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(admin.ModelAdmin):
    list_display = ("tax_code", "name", "provider", "status", "since", "until")
    list_filter = ("status",)
