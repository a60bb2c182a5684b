"""The outbox: one row per message to send, and one row per delivery attempt."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    """pending → sending → sent; sending → pending (retry, or the worker died) → … → failed;
    pending or failed → expired once what the email carries (a code) is no longer usable."""

    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Out of date")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    """Thông báo: an email or an SMS queued in the same transaction as the change it tells
    about. Each channel is its own queue (`email`, `sms`): neither waits for the other."""

    reference = models.CharField(max_length=64, db_index=True)  # e.g. the Số hồ sơ
    template = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)  # an address, or a mobile as 84…
    subject = models.CharField(max_length=300)  # an SMS has none: ""
    sealed_body = models.BinaryField()  # may carry a code or a password: sealed, wiped once sent
    status = models.CharField(max_length=8, choices=NotificationStatus.choices,
                              default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)  # a sending row's claim expires
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, unique=True)  # Message-ID; an SMS: our own
    # Hạn dùng: when what the email carries stops working (a confirmation code's expiry). An
    # email not sent by then is not sent at all: a dead code only sends the unit to an error.
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try at sending, with what the server answered."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    at = models.DateTimeField()
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=8)  # sent | retry | failed | lost | requeued | expired
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class SmsPart(models.Model):
    """One part of a sent SMS as the SMS centre numbered it, and what its delivery receipt
    (báo cáo phát) said: how a receipt finds its notification."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                      related_name="sms_parts")
    number = models.PositiveSmallIntegerField()  # 1 … parts
    smsc_message_id = models.CharField(max_length=65, db_index=True)
    state = models.CharField(max_length=8, blank=True)  # DELIVRD, UNDELIV, … ("": no receipt)
    error = models.CharField(max_length=8, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification", "number"]
