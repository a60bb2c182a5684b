"""Nhật ký kiểm toán: one row per state change, in the change's own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from openivan.conf.models import AuditEvent

SYSTEM = "system"
Actor = str | AbstractBaseUser | None  # who acted: a user, a label (`cli:root`), or the platform


def record(actor: Actor, action: str, target: str,
           **details: Any) -> AuditEvent:
    """Write an audit event. Call it inside the transaction that makes the change it tells
    of, so the two commit or roll back together. `actor`: a user, or a label such as
    `provider:00040`; None is the platform itself (sweeps, automatic decisions)."""
    return AuditEvent.objects.create(at=timezone.now(), actor=actor_label(actor), action=action,
                                     target=target[:120], details=details)


def actor_label(actor: Actor) -> str:
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor[:120]
    return f"user:{actor.get_username()}"[:120]
