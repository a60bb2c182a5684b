"""The 15 minutes on the agency's side: each declaration's time to answer kept and shown; one
unanswered past 10 minutes flagged, past 15 minutes a critical check of the monitor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from openivan.platform.services import monitoring
from openivan.portal.checks import answers_check
from openivan.portal.models import Declaration, DeclarationStatus
from openivan.portal.services import decisions
from tests.portal.conftest import declared, stored

pytestmark = pytest.mark.django_db


def test_all_answered_in_time_is_ok_and_shows_the_times(portal):
    now = timezone.now()
    row = stored(received_at=now - timedelta(minutes=2))
    Declaration.objects.filter(pk=row.pk).update(answered_at=now - timedelta(seconds=60))
    check = answers_check(now)
    assert check.level == monitoring.OK
    assert "p50 60.0 s" in check.detail


def test_a_declaration_unanswered_past_10_minutes_is_flagged(portal):
    now = timezone.now()
    stored(received_at=now - timedelta(minutes=11))
    stored(declared(bhxh_number="0123456780"), received_at=now - timedelta(minutes=3))
    check = answers_check(now)
    assert (check.level, check.params["count"]) == (monitoring.WARNING, 1)


def test_a_declaration_unanswered_past_15_minutes_is_critical(portal):
    now = timezone.now()
    late = stored(received_at=now - timedelta(minutes=16))
    assert answers_check(now).level == monitoring.CRITICAL
    assert any(c.name == "portal_answers" and c.level == monitoring.CRITICAL
               for c in monitoring.run_checks())
    # Decided and its answer handed over (nothing to send): the alarm ends.
    Declaration.objects.filter(pk=late.pk).update(email="", phone="")
    decisions.accept(late.pk, now=now)
    decisions.record_answer_times()
    assert answers_check(now).level == monitoring.OK


def test_time_moves_the_declaration_from_ok_to_warning_to_critical(portal):
    received = timezone.now()
    stored(received_at=received)
    levels = [answers_check(received + timedelta(minutes=m)).level for m in (5, 12, 16)]
    assert levels == [monitoring.OK, monitoring.WARNING, monitoring.CRITICAL]


AT_THE_DESK = declared(filing="TaiCoQuanBHXH", reception_point="01001 — BHXH quận Hoàn Kiếm")


def test_a_declaration_awaiting_the_desk_is_not_late_however_old(portal):
    now = timezone.now()
    stored(AT_THE_DESK, received_at=now - timedelta(days=6),
           status=DeclarationStatus.AWAITING_DESK)
    assert answers_check(now).level == monitoring.OK


def test_the_desk_decisions_answer_is_late_15_minutes_after_the_decision(portal):
    confirmed = timezone.now() - timedelta(days=3)
    row = stored(AT_THE_DESK, received_at=confirmed,
                 status=DeclarationStatus.AWAITING_DESK)
    decided = timezone.now()
    decisions.accept(row.pk, now=decided)  # its email and SMS queued, not handed over yet
    levels = [answers_check(decided + timedelta(minutes=m)).level for m in (5, 12, 16)]
    assert levels == [monitoring.OK, monitoring.WARNING, monitoring.CRITICAL]
    assert "waiting since" in answers_check(decided + timedelta(minutes=16)).text("en")


def test_the_desk_decisions_time_to_answer_runs_from_the_decision(portal):
    now = timezone.now()
    row = stored(AT_THE_DESK, received_at=now - timedelta(days=3),
                 status=DeclarationStatus.AWAITING_DESK)
    Declaration.objects.filter(pk=row.pk).update(
        status=DeclarationStatus.ACCEPTED, decided_at=now - timedelta(seconds=90),
        answered_at=now - timedelta(seconds=30))
    row.refresh_from_db()
    assert decisions.answer_seconds(row) == 60
    check = answers_check(now)
    assert check.level == monitoring.OK
    assert "decided at the desk, answered in the last hour: 1; time to answer p50 60.0 s" \
        in check.detail
