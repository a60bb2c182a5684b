"""For the agency's monitor: the 15 minutes within which a declaration signed with a
certificate must be answered (seed 004). Each declaration keeps its time from reception to
the answer's hand-off (`answered_at - received_at`, set by `decisions.record_answer_times`);
one still unanswered past OPENIVAN_PORTAL_WARN_MINUTES is a warning, past
OPENIVAN_PORTAL_ANSWER_MINUTES critical."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min

from openivan.core.calendar import shown
from openivan.platform.services.monitoring import CRITICAL, OK, WARNING, Check
from openivan.portal.models import Declaration
from openivan.portal.services.decisions import unanswered

# The answer times shown: those of the last hour.
RECENT = timedelta(hours=1)


def monitoring_checks(now: datetime) -> list[Check]:
    return [answers_check(now)]


def answers_check(now: datetime) -> Check:
    limit = settings.OPENIVAN_PORTAL_ANSWER_MINUTES
    warn = settings.OPENIVAN_PORTAL_WARN_MINUTES
    detail = recent_times(now)
    late = _waiting(now, timedelta(minutes=limit))
    if late["count"]:
        return Check("portal_answers", CRITICAL, "%(count)d declaration(s) signed with a "
                     "certificate are still unanswered %(minutes)d minutes after reception, "
                     "the oldest received at %(at)s",
                     {"count": late["count"], "minutes": limit, "at": shown(late["oldest"])},
                     detail=detail)
    near = _waiting(now, timedelta(minutes=warn))
    if near["count"]:
        return Check("portal_answers", WARNING, "%(count)d declaration(s) signed with a "
                     "certificate are unanswered %(minutes)d minutes after reception (the "
                     "limit is %(limit)d), the oldest received at %(at)s",
                     {"count": near["count"], "minutes": warn, "limit": limit,
                      "at": shown(near["oldest"])}, detail=detail)
    return Check("portal_answers", OK, "Every declaration signed with a certificate was "
                 "answered within %(minutes)d minutes", {"minutes": limit}, detail=detail)


def _waiting(now: datetime, older_than: timedelta) -> dict[str, object]:
    return Declaration.objects.filter(unanswered(now, older_than)).aggregate(
        count=Count("pk"), oldest=Min("received_at"))


def recent_times(now: datetime) -> str:
    """The answer times of the last hour: how many, the median, the 99th percentile and the
    slowest, in seconds."""
    rows = Declaration.objects.filter(filing="ChungThuSo", answered_at__isnull=False,
                                      answered_at__gte=now - RECENT).values_list(
        "received_at", "answered_at")[:100_000]
    seconds = sorted((answered - received).total_seconds() for received, answered in rows)
    if not seconds:
        return "no declaration answered in the last hour"
    p50 = seconds[len(seconds) // 2]
    p99 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
    return (f"answered in the last hour: {len(seconds)}; time to answer p50 {p50:.1f} s, "
            f"p99 {p99:.1f} s, slowest {seconds[-1]:.1f} s")
