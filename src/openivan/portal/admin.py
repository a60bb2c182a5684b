from django.contrib import admin

from openivan.portal.models import Declaration, ReceptionPoint

admin.site.register(ReceptionPoint)


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("reference", "filing", "status", "bhxh_number", "received_at")
    search_fields = ("reference", "bhxh_number", "id_number")
    readonly_fields = [f.name for f in Declaration._meta.fields]
