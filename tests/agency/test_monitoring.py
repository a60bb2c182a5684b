"""The monitor's checks of the agency (its key, its trust store, officers' deadlines), and the
HTTP call a monitoring system makes."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from openivan.agency import services
from openivan.agency.models import ProviderCertificate
from openivan.platform.services import monitoring
from tests.agency.test_console import received
from tests.agency.test_providers import certificate_with

pytestmark = pytest.mark.django_db
TOKEN = "t" * 32


def check(name, now=None):
    return next(c for c in monitoring.run_checks(now) if c.name == name)


def test_a_well_running_agency_is_all_ok_and_the_command_exits_0(agency, provider, capsys):
    monitoring.beat(monitoring.worker_name())
    with pytest.raises(SystemExit) as stopped:
        call_command("status")
    out = capsys.readouterr().out
    assert stopped.value.code == 0, out
    assert out.count("OK ") == len(monitoring.run_checks())


def test_a_certificate_near_its_end_is_a_warning_and_past_it_critical(agency, pki):
    expiry = pki.certificate("agency").not_valid_after_utc
    near = check("agency_key", expiry - timedelta(days=10))
    assert near.level == monitoring.WARNING
    assert "hết hạn trong vòng 30 ngày" in near.text("vi") and "openivan.W004" in near.detail
    assert check("agency_key", expiry + timedelta(days=1)).level == monitoring.CRITICAL


def test_an_unreadable_agency_key_is_critical(agency, settings, tmp_path):
    settings.OPENIVAN_AGENCY_P12 = str(tmp_path / "missing.p12")
    found = check("agency_key")
    assert found.level == monitoring.CRITICAL and "openivan.E001" in found.detail


def test_an_empty_trust_store_is_critical_and_revocation_off_a_warning(agency, settings,
                                                                       tmp_path):
    settings.OPENIVAN_REVOCATION = "off"
    assert check("trust_store").level == monitoring.WARNING
    settings.OPENIVAN_TRUST_STORE = str(tmp_path)
    assert check("trust_store").level == monitoring.CRITICAL


def test_dossiers_past_their_deadline_in_the_officers_queue_are_a_warning(agency, provider):
    received("BHXH-20261101-000001", "needs_review", hours_ago=80, deadline_in=-2)
    received("BHXH-20261101-000002", "awaiting_activation", hours_ago=80, deadline_in=-2)
    received("BHXH-20261101-000003", "needs_review", hours_ago=2, deadline_in=70)
    found = check("decisions")
    assert found.level == monitoring.WARNING and found.params["count"] == 1


def test_a_provider_whose_certificates_all_end_soon_is_a_warning_until_one_is_renewed(
        agency, provider, pki):
    ends = pki.certificate("provider").not_valid_after_utc
    assert check("provider_certificates", ends - timedelta(days=31)).level == monitoring.OK
    near = check("provider_certificates", ends - timedelta(days=10))
    assert near.level == monitoring.WARNING and near.params["providers"] == provider.code
    assert "hãy đăng ký chứng thư số mới" in near.text("vi")
    assert f"{provider.code} until" in near.detail
    assert check("provider_certificates", ends + timedelta(days=1)).level == monitoring.WARNING
    services.add_certificate(provider.code, certificate_with("MST:0100109106", days=3650))
    assert check("provider_certificates", ends - timedelta(days=10)).level == monitoring.OK


def test_suspended_providers_and_certificates_known_by_thumbprint_alone_are_not_warned_of(
        agency, provider, pki):
    ends = pki.certificate("provider").not_valid_after_utc
    ProviderCertificate.objects.update(valid_to=None)  # registered before details were kept
    assert check("provider_certificates", ends - timedelta(days=10)).level == monitoring.OK
    ProviderCertificate.objects.update(valid_to=ends)
    services.set_provider_active(provider.code, False)
    assert check("provider_certificates", ends - timedelta(days=10)).level == monitoring.OK


# ---------------------------------------------------------------- GET /api/v1/health/checks


def checks_call(token: str | None):  # type: ignore[no-untyped-def]
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return Client().get("/api/v1/health/checks", headers=headers)


def test_the_http_call_is_off_without_a_long_enough_token(agency, settings):
    settings.OPENIVAN_MONITORING_TOKEN = ""
    assert checks_call(TOKEN).json()["code"] == "MONITORING_OFF"
    settings.OPENIVAN_MONITORING_TOKEN = "short-token"
    response = checks_call("short-token")
    assert response.status_code == 403 and response.json()["code"] == "MONITORING_OFF"


@pytest.mark.parametrize("given", [None, "t" * 31, "T" * 32, "t" * 33, "tt"])
def test_the_http_call_needs_the_token(agency, settings, given):
    settings.OPENIVAN_MONITORING_TOKEN = TOKEN
    response = checks_call(given)
    assert response.status_code == 401 and response.json()["code"] == "MONITORING_AUTH_FAILED"
    assert "checks" not in response.json()


def test_the_http_call_answers_503_on_a_critical_check_and_200_once_mended(agency, settings):
    settings.OPENIVAN_MONITORING_TOKEN = TOKEN
    stopped = checks_call(TOKEN)
    assert stopped.status_code == 503 and stopped.json()["status"] == "critical"
    worker = next(c for c in stopped.json()["checks"] if c["name"] == "worker")
    assert worker["level"] == "critical" and worker["summary_en"].startswith("No background")
    monitoring.beat("host:1")
    running = checks_call(TOKEN)
    assert running.status_code == 200 and running.json()["status"] == "ok"
