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
