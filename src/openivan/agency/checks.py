"""Deployment checks of the agency's own material (`openivan manage check --deploy`): the key
it signs its answers with (Chữ ký của cơ quan BHXH) and the trust store it verifies against.
A fault in either would otherwise show only when the first dossier arrives, as refusals or
server errors for every provider."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db.models import Count, Max, Q
from django.utils import timezone

from openivan.core.calendar import local, shown
from openivan.core.errors import OpenIvanError
from openivan.core.pki import TrustStore, facts
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.platform.services.monitoring import CRITICAL, OK, WARNING, Check

# Renewing a certificate at a Vietnamese CA takes days; a month's notice leaves room.
EXPIRY_NOTICE = timedelta(days=30)


@register("openivan", deploy=True)
def agency_signing_key(app_configs: Any = None, now: datetime | None = None,
                       **kwargs: Any) -> list[CheckMessage]:
    path = settings.OPENIVAN_AGENCY_P12
    try:
        key = Pkcs12Key.from_file(path, settings.OPENIVAN_AGENCY_P12_PASSWORD)
    except OSError as exc:
        return [Error(f"The agency's signing key {path} cannot be read ({exc.strerror}).",
                      hint="Set OPENIVAN_AGENCY_P12 to the agency's PKCS#12 file.",
                      id="openivan.E001")]
    except OpenIvanError:
        return [Error(f"The agency's signing key {path} does not open: wrong password, or "
                      "not a PKCS#12 file holding a key and its certificate.",
                      hint="Check OPENIVAN_AGENCY_P12_PASSWORD.", id="openivan.E002")]
    return _certificate_problems(key, now or timezone.now())


def _certificate_problems(key: Pkcs12Key, now: datetime) -> list[CheckMessage]:
    cert = facts(key.certificate)
    until = shown(cert.not_after)
    problems: list[CheckMessage] = []
    if not cert.not_before <= now < cert.not_after:
        problems.append(Error(
            f"The agency's certificate (serial {cert.serial}) is valid from "
            f"{local(cert.not_before):%d/%m/%Y} to {until}, not now: providers would refuse "
            "every answer it signs.", hint="Install a renewed certificate.", id="openivan.E003"))
    elif cert.not_after - now < EXPIRY_NOTICE:
        problems.append(Warning(
            f"The agency's certificate (serial {cert.serial}) expires at {until}.",
            hint="Renew it and replace OPENIVAN_AGENCY_P12 before then.", id="openivan.W004"))
    if not cert.can_sign:
        problems.append(Error(
            f"The agency's certificate (serial {cert.serial}) is not for signatures (its key "
            "usage has neither digitalSignature nor nonRepudiation).", id="openivan.E005"))
    return problems


@register("openivan", deploy=True)
def trust_and_revocation(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    try:
        TrustStore.from_directory(settings.OPENIVAN_TRUST_STORE)
    except OpenIvanError:
        problems.append(Error(
            f"The trust store {settings.OPENIVAN_TRUST_STORE} holds no usable root "
            "certificate: every dossier would be refused as untrusted.",
            hint="Put the root and intermediate certificates of the licensed CAs there "
            "(PEM or DER files) and set OPENIVAN_TRUST_STORE.", id="openivan.E006"))
    if settings.OPENIVAN_REVOCATION == "off":
        problems.append(Warning(
            "OPENIVAN_REVOCATION=off: revoked certificates are accepted.",
            hint="Use hard (or soft, to accept when no OCSP or CRL answers).",
            id="openivan.W007"))
    return problems


# For the monitor (conf.services.monitoring): the deployment checks above, run again while the
# platform is live, since a certificate comes close to its end and files get replaced.
_SUMMARIES = {
    "openivan.E001": "The agency's signing key cannot be read: every dossier is answered 503",
    "openivan.E002": "The agency's signing key does not open: every dossier is answered 503",
    "openivan.E003": "The agency's certificate is not valid now: providers refuse its answers",
    "openivan.W004": "The agency's certificate expires within %(days)d days: renew it",
    "openivan.E005": "The agency's certificate is not for signatures",
    "openivan.E006": "The trust store holds no root certificate: every dossier is refused",
    "openivan.W007": "Revocation checking is off: revoked certificates are accepted",
}


def monitoring_checks(now: datetime) -> list[Check]:
    from openivan.agency.listings import overdue_reviews

    key = agency_signing_key(now=now)
    trust = trust_and_revocation()
    checks = [_as_check("agency_key", key, "The agency's signing key and certificate are "
                        "usable"),
              _as_check("trust_store", trust, "Trust store loaded, revocation checked")]
    overdue = overdue_reviews(now)
    checks.append(Check("decisions", WARNING, "%(count)d dossier(s) waiting for an officer "
                        "are past their legal deadline", {"count": overdue})
                  if overdue else
                  Check("decisions", OK, "No dossier waiting for an officer is past its "
                        "deadline"))
    checks.append(_provider_certificates(now))
    return checks


def _provider_certificates(now: datetime) -> Check:
    """Providers whose every registered certificate ends within the notice: past that day
    their countersignatures are refused and their units' dossiers stop, until the agency
    registers the renewed certificate (`openivan manage provider add-cert`)."""
    from openivan.agency.models import ProviderCertificate

    ending = list(
        ProviderCertificate.objects.filter(provider__active=True)
        .values("provider__code")
        .annotate(until=Max("valid_to"), unknown=Count("id", filter=Q(valid_to__isnull=True)))
        .filter(unknown=0, until__lt=now + EXPIRY_NOTICE)  # an unknown end may be far off
        .order_by("until"))
    if not ending:
        return Check("provider_certificates", OK, "Every active I-VAN provider has a "
                     "certificate valid for more than %(days)d days", {"days": EXPIRY_NOTICE.days})
    return Check("provider_certificates", WARNING, "I-VAN provider(s) %(providers)s: every "
                 "registered certificate has ended or ends within %(days)d days; register the "
                 "renewed one",
                 {"providers": ", ".join(e["provider__code"] for e in ending),
                  "days": EXPIRY_NOTICE.days},
                 detail="; ".join(f"{e['provider__code']} until {shown(e['until'])}"
                                  for e in ending))


def _as_check(name: str, problems: list[CheckMessage], fine: str) -> Check:
    if not problems:
        return Check(name, OK, fine)
    first = max(problems, key=lambda p: p.level)  # an error before a warning
    return Check(name, CRITICAL if first.is_serious() else WARNING, _SUMMARIES[first.id or ""],
                 {"days": EXPIRY_NOTICE.days},
                 detail=" ".join(f"{p.id}: {p.msg}" for p in problems))
