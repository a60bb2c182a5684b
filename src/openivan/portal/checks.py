"""For the agency's monitor: the 15 minutes within which a declaration must be answered
(seed 004): one signed with a certificate from its reception, one filed at the desk or on
paper from the officer's decision. Each declaration keeps the time its answer was handed over
(`answered_at`, set by `decisions.record_answer_times`); one still unanswered past
OPENIVAN_PORTAL_WARN_MINUTES is a warning, past OPENIVAN_PORTAL_ANSWER_MINUTES critical."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, When

from openivan.core.calendar import shown
from openivan.platform.services.monitoring import CRITICAL, OK, WARNING, Check
from openivan.portal.models import Declaration, Filing
from openivan.portal.services.decisions import unanswered

# The answer times shown: those of the last hour.
RECENT = timedelta(hours=1)
# When a declaration's 15 minutes start (decisions.answer_clock_start), in SQL.
CLOCK_START = Case(When(filing=Filing.CERTIFICATE, then=F("received_at")),
                   default=F("decided_at"))


def monitoring_checks(now: datetime) -> list[Check]:
    return [answers_check(now)]


def answers_check(now: datetime) -> Check:
    limit = settings.OPENIVAN_PORTAL_ANSWER_MINUTES
    warn = settings.OPENIVAN_PORTAL_WARN_MINUTES
    detail = recent_times(now)
    late = _waiting(now, timedelta(minutes=limit))
    if late["count"]:
        return Check("portal_answers", CRITICAL, "%(count)d declaration(s) are still "
                     "unanswered %(minutes)d minutes after reception (at the desk: after the "
                     "decision), the oldest waiting since %(at)s",
                     {"count": late["count"], "minutes": limit, "at": shown(late["oldest"])},
                     detail=detail)
    near = _waiting(now, timedelta(minutes=warn))
    if near["count"]:
        return Check("portal_answers", WARNING, "%(count)d declaration(s) are unanswered "
                     "%(minutes)d minutes after reception (at the desk: after the decision; "
                     "the limit is %(limit)d), the oldest waiting since %(at)s",
                     {"count": near["count"], "minutes": warn, "limit": limit,
                      "at": shown(near["oldest"])}, detail=detail)
    return Check("portal_answers", OK, "Every declaration was answered within %(minutes)d "
                 "minutes", {"minutes": limit}, detail=detail)


def _waiting(now: datetime, older_than: timedelta) -> dict[str, object]:
    return Declaration.objects.filter(unanswered(now, older_than)).aggregate(
        count=Count("pk"), oldest=Min(CLOCK_START))


def recent_times(now: datetime) -> str:
    """The answer times of the last hour, signed declarations and the desk's decisions apart:
    how many, the median, the 99th percentile and the slowest, in seconds."""
    rows = Declaration.objects.filter(answered_at__gte=now - RECENT).annotate(
        start=CLOCK_START).values_list("filing", "start", "answered_at")[:100_000]
    signed = sorted((answered - start).total_seconds() for filing, start, answered in rows
                    if filing == Filing.CERTIFICATE and start is not None)
    desk = sorted((answered - start).total_seconds() for filing, start, answered in rows
                  if filing != Filing.CERTIFICATE and start is not None)
    if not signed and not desk:
        return "no declaration answered in the last hour"
    return "; ".join(f"{label}: {_spread(times)}" for label, times in (
        ("signed, answered in the last hour", signed),
        ("decided at the desk, answered in the last hour", desk)) if times)


def _spread(seconds: list[float]) -> str:
    p50 = seconds[len(seconds) // 2]
    p99 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
    return (f"{len(seconds)}; time to answer p50 {p50:.1f} s, p99 {p99:.1f} s, "
            f"slowest {seconds[-1]:.1f} s")
