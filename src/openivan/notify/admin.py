from django.contrib import admin

from openivan.notify.models import DeliveryAttempt, Notification, SmsPart


class DeliveryInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["at", "number", "outcome", "detail"]


class SmsPartInline(admin.TabularInline):
    """An SMS's parts as the SMS centre numbered them, with their delivery receipts."""

    model = SmsPart
    extra = 0
    readonly_fields = ["number", "smsc_message_id", "state", "error", "done_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["reference", "template", "channel", "recipient", "status", "attempts",
                    "created_at", "sent_at"]
    list_filter = ["status", "channel", "template"]
    search_fields = ["reference", "recipient"]
    exclude = ["sealed_body"]
    readonly_fields = ["reference", "template", "recipient", "subject", "status", "attempts",
                       "next_attempt_at", "lease_until", "created_at", "sent_at", "message_id"]
    inlines = [DeliveryInline, SmsPartInline]
