"""The platform's services: status facts, shared throttles, the audit log."""

from openivan.conf.services.audit import record
from openivan.conf.services.platform import (
    WorkerStatus,
    database_vendor,
    pending_migrations,
    ping_worker,
    worker_status,
)
from openivan.conf.services.throttles import Hits, clear, hit, peek, sweep_throttles

__all__ = ["Hits", "WorkerStatus", "clear", "database_vendor", "hit", "peek", "pending_migrations",
           "ping_worker", "record", "sweep_throttles", "worker_status"]
