"""The platform's own records: counters shared by every process, and the audit log."""

from __future__ import annotations

from django.db import models


class Throttle(models.Model):
    """Giới hạn tần suất: events counted per key in a window that opens at the key's first event.

    In the database, not in a process's memory, so the provider API's rate limit and the
    sign-in lockout hold across every web process and survive restarts."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField()
    window_ends_ms = models.BigIntegerField()  # epoch milliseconds: one comparison on any backend


class AuditEvent(models.Model):
    """Nhật ký kiểm toán: who changed what, and when, written in the change's own transaction.

    A dossier's own steps (ProcessingStep) are its trail; these are every other state change:
    accounts and sign-ins, providers and their keys, the registry of units, officers'
    decisions."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=120)  # user:<username>, provider:<MaIVAN>, system
    action = models.CharField(max_length=48, db_index=True)  # a stable code: account.issued
    target = models.CharField(max_length=120, db_index=True)  # account:<username>, dossier:<n>
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"


class WorkerBeat(models.Model):
    """Nhịp của tiến trình nền: when each worker process last said it was running.

    Every worker writes its own row at every sweep interval, so a monitor can tell a stopped
    worker (emails unsent, codes never expired) from a quiet one."""

    name = models.CharField(max_length=120, unique=True)  # host:pid
    seen_at = models.DateTimeField(db_index=True)
