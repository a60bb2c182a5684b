from django.contrib import admin

from openivan.notify.models import DeliveryAttempt, Notification


class DeliveryInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["at", "number", "outcome", "detail"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["reference", "template", "recipient", "status", "attempts", "created_at",
                    "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["reference", "recipient"]
    exclude = ["sealed_body"]
    readonly_fields = ["reference", "template", "recipient", "subject", "status", "attempts",
                       "next_attempt_at", "lease_until", "created_at", "sent_at", "message_id"]
    inlines = [DeliveryInline]
