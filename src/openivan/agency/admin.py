from django.contrib import admin

from openivan.agency.models import (
    Dossier,
    IvanProvider,
    ProviderCertificate,
    RevocationList,
    UnitRegistration,
)
from openivan.platform.admin import ReadOnlyAdmin


class ProviderCertificateInline(admin.TabularInline):
    """Read only, as the provider: `openivan manage provider add-cert | remove-cert`."""

    model = ProviderCertificate
    fields = readonly_fields = ("thumbprint", "subject", "serial", "valid_to", "added_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(IvanProvider)
class IvanProviderAdmin(ReadOnlyAdmin):
    """Read only: providers are registered and changed with `openivan manage provider`, which
    issues the API key and writes the audit log."""

    list_display = ("code", "name", "tax_code", "active", "created_at")
    readonly_fields = [f.name for f in IvanProvider._meta.fields]
    inlines = [ProviderCertificateInline]


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    """Dossiers come only through the intake; a received one is a record (its answers went
    out signed), never changed or deleted here."""

    list_display = ("number", "form_code", "unit_tax_code", "unit_name", "status", "received_at",
                    "decision_deadline")
    list_filter = ("status", "form_code")
    search_fields = ("number", "unit_tax_code", "unit_name", "message_id")
    readonly_fields = [f.name for f in Dossier._meta.fields]


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(ReadOnlyAdmin):
    """Read only: the registry changes only through accepted dossiers."""

    list_display = ("tax_code", "name", "provider", "status", "since", "until")
    list_filter = ("status",)
    search_fields = ("tax_code", "name", "unit_code")
    readonly_fields = [f.name for f in UnitRegistration._meta.fields]


@admin.register(RevocationList)
class RevocationListAdmin(ReadOnlyAdmin):
    """CRLs are evidence, written by the intake and never changed."""

    list_display = ("url", "stored_at", "size")
    search_fields = ("url", "sha256")
    fields = readonly_fields = ("sha256", "url", "stored_at", "size")

    @admin.display(description="bytes")
    def size(self, crl: RevocationList) -> int:
        return len(crl.der)
