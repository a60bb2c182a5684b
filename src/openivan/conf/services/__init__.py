"""The platform's services: status facts (here), shared throttles (`throttles`), the audit
log (`audit`)."""

from openivan.conf.services.platform import (
    WorkerStatus,
    database_vendor,
    pending_migrations,
    ping_worker,
    worker_status,
)

__all__ = ["WorkerStatus", "database_vendor", "pending_migrations", "ping_worker",
           "worker_status"]
