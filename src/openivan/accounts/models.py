from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountProfile(models.Model):
    """What the agency knows of an account beyond Django's user: whom it belongs to, and whether
    its password is a one-time one (Mật khẩu lần đầu) that must be changed at the next login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    tax_code = models.CharField("MST", max_length=14, blank=True, db_index=True)
    display_name = models.CharField(max_length=500, blank=True)
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # The password (by its change time) whose coming expiry was already announced by email:
    # one reminder per password.
    password_reminder_for = models.DateTimeField(null=True, blank=True)


class SecondFactor(models.Model):
    """Xác thực hai lớp: the authenticator app an officer's sign-in also asks for.

    The app's secret is sealed at rest (conf.sealing). Until the first code from the app is
    typed, `confirmed_at` is empty and the secret may still be replaced."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="second_factor")
    sealed_secret = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step whose code was accepted: no code of it, or of an earlier step, is
    # accepted again (a code seen over a shoulder opens nothing).
    last_step = models.BigIntegerField(default=0)


class RecoveryCode(models.Model):
    """Mã dự phòng: single-use codes for a lost phone, kept as keyed digests only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="recovery_code_by_user")]
