"""Agency operations: the only code that changes the agency's records, one transaction each."""

from openivan.agency.services.activation import (
    Activated,
    activate,
    check_usable,
    find,
    reissuable,
    reissue,
    tries_left,
)
from openivan.agency.services.answers import (
    AGENCY_SLOT,
    add_step,
    encode_xml,
    refusal,
    timeline,
)
from openivan.agency.services.decisions import (
    accept,
    reject,
    stop_ended_registrations,
    unit_code_to_assign,
)
from openivan.agency.services.exports import record_download, record_export
from openivan.agency.services.intake import IntakeOutcome, receive
from openivan.agency.services.providers import (
    add_certificate,
    authenticate,
    check_rate,
    register_provider,
    remove_certificate,
    rotate_api_key,
    set_countersignature_required,
    set_provider_active,
)
from openivan.agency.services.unit_registry import active_registration, declaration_of

# The agency's trust (its CAs and revocation checks), for the other apps that check signatures
# the agency receives (the portal's declarations).
from openivan.agency.trust import verifier

__all__ = ["AGENCY_SLOT", "Activated", "IntakeOutcome", "accept", "activate", "active_registration",
           "add_certificate", "add_step", "authenticate", "check_rate", "check_usable",
           "declaration_of", "encode_xml", "find", "receive", "record_download",
           "record_export", "refusal", "register_provider", "reissuable", "reissue", "reject",
           "remove_certificate", "rotate_api_key", "set_countersignature_required",
           "set_provider_active", "stop_ended_registrations", "timeline", "tries_left",
           "unit_code_to_assign", "verifier"]
