from django.contrib import admin

from openivan.portal.models import Declaration, ReceptionPoint

admin.site.register(ReceptionPoint)


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("reference", "filing", "status", "bhxh_number", "received_at",
                    "answer_seconds")
    search_fields = ("reference", "bhxh_number", "id_number")
    readonly_fields = [f.name for f in Declaration._meta.fields]

    @admin.display(description="Thời gian trả lời (giây)")
    def answer_seconds(self, declaration: Declaration) -> str:
        """From reception to the answer's hand-off to SMTP and the SMSC (15 minutes at most)."""
        if declaration.answered_at is None:
            return "—"
        return f"{(declaration.answered_at - declaration.received_at).total_seconds():.1f}"
