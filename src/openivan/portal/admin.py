from django.contrib import admin

from openivan.portal.models import Declaration, ReceptionPoint
from openivan.portal.services import decisions

admin.site.register(ReceptionPoint)


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("reference", "filing", "status", "bhxh_number", "received_at",
                    "answer_seconds")
    search_fields = ("reference", "bhxh_number", "id_number")
    readonly_fields = [f.name for f in Declaration._meta.fields]

    @admin.display(description="Thời gian trả lời (giây)")
    def answer_seconds(self, declaration: Declaration) -> str:
        """From reception (at the desk: the decision) to the answer's hand-off to SMTP and the
        SMSC (15 minutes at most)."""
        seconds = decisions.answer_seconds(declaration)
        return "—" if seconds is None else f"{seconds:.1f}"
