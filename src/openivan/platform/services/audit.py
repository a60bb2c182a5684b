"""Nhật ký kiểm toán: one row per state change, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.platform.models import AuditEvent

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


def events(since: datetime | None = None, until: datetime | None = None,
           action: str = "") -> Iterator[dict[str, Any]]:
    """The events from `since` (included) to `until` (excluded) whose action starts with
    `action`, oldest first, times in the agency's time zone, streamed: an export of years of
    sign-ins never sits in memory."""
    rows = AuditEvent.objects.order_by("at", "id")
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    if action:
        rows = rows.filter(action__startswith=action)
    for at, actor, act, target, details in rows.values_list(
            "at", "actor", "action", "target", "details").iterator(chunk_size=2000):
        yield {"at": timezone.localtime(at).isoformat(), "actor": actor, "action": act,
               "target": target, "details": details}


def prune(before: datetime, actor: Actor, action: str = "") -> int:
    """Delete the events older than `before` (whose action starts with `action`), after they
    were exported. Nothing younger than OPENIVAN_AUDIT_MIN_DAYS may go. The pruning is itself
    an event, in the same transaction."""
    keep_days = settings.OPENIVAN_AUDIT_MIN_DAYS
    if before > timezone.now() - timedelta(days=keep_days):
        raise OpenIvanError("AUDIT_PRUNE_TOO_RECENT", days=keep_days)
    with transaction.atomic():
        rows = AuditEvent.objects.filter(at__lt=before)
        if action:
            rows = rows.filter(action__startswith=action)
        deleted, _ = rows.delete()
        record(actor, "audit.pruned", "audit", before=before.isoformat(),
               actions=action or "*", deleted=deleted)
    return deleted


ADMIN_ACTIONS = {1: "admin.added", 2: "admin.changed", 3: "admin.deleted"}  # LogEntry flags


def admin_logged(sender: type, instance: Any, created: bool = False, **_: Any) -> None:
    """post_save of the admin's own LogEntry: every change made in the admin (officers'
    accounts, groups, permissions) joins the audit log, in the admin's transaction."""
    if created:
        content_type = instance.content_type
        kind = f"{content_type.app_label}.{content_type.model}" if content_type else "?"
        record(instance.user, ADMIN_ACTIONS.get(instance.action_flag, "admin.other"),
               f"{kind}:{instance.object_id}", object=instance.object_repr,
               message=instance.get_change_message())
