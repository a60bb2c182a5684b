"""The platform's services: status facts (here), the monitor's checks (`monitoring`), shared
throttles (`throttles`), the audit log (`audit`)."""

from openivan.platform.services.platform import database_vendor, pending_migrations

__all__ = ["database_vendor", "pending_migrations"]
