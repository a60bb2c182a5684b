"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations

from openivan.platform import jobs


def register() -> None:
    """Filled as the portal's jobs come (processing, answers, the 10-day sweeps)."""
    register_desk()


def register_desk() -> None:
    """The reception desk's sweeps: declarations never filed (reminder on day 7, cancelled on
    day 10), and the records imports uploaded in the console (one at a time per worker)."""
    from openivan.portal.services import desk, records

    jobs.register_periodic("portal_desk_remind", desk.remind_unfiled)
    jobs.register_periodic("portal_desk_cancel", desk.cancel_unfiled)
    jobs.register_periodic("portal_records_import", records.run_pending_imports,
                           every_seconds=5)
