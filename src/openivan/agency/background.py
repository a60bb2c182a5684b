"""What the agency hands the platform's worker: its sweeps (expired codes, decision deadlines,
stop dates)."""

from __future__ import annotations

from openivan.agency.services import activation, decisions
from openivan.platform import jobs


def register() -> None:
    # In this order: a code found expired is marked before the deadline sweep looks.
    jobs.register_periodic("codes_expired", activation.mark_expired_codes)
    jobs.register_periodic("activations_expired", activation.end_unconfirmed)
    jobs.register_periodic("registrations_stopped", decisions.stop_ended_registrations)
