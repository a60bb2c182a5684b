"""Working days in Vietnam, and the deadlines computed from them.

Holidays come from the `holidays` package (Tết, Hùng Kings, 30/4, 1/5, 2/9 with the adjacent
day, substituted days off and make-up Saturdays). Agencies work Monday to Friday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from openivan.core.errors import OpenIvanError

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    """True on a day the agency works: weekdays that are no holiday, and make-up Saturdays."""
    return bool(_calendar(day.year).is_working_day(day))


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have passed from start to end."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1 for offset in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=offset))
    )


def start_of_day(text: str) -> datetime:
    """The first instant of a day written YYYY-MM-DD, in Vietnam (DATE_INVALID otherwise)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise OpenIvanError("DATE_INVALID", value=text) from None
    return datetime.combine(day, time.min, tzinfo=VIETNAM_TZ)


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("aware datetimes only: deadlines are legal times in Vietnam")
    return moment.astimezone(VIETNAM_TZ)


def shown(moment: datetime) -> str:
    """A moment as the platform's pages, emails and steps write it: "14:05 23/11/2026",
    Vietnam time."""
    return f"{local(moment):%H:%M %d/%m/%Y}"


def deadline_working_days(received_at: datetime, count: int) -> datetime:
    """End of the `count`-th working day after reception (e.g. 3 days to confirm an I-VAN)."""
    day = add_working_days(local(received_at).date(), count)
    return datetime.combine(day, time(23, 59, 59), tzinfo=VIETNAM_TZ)


def deadline_hours(start: datetime, hours: float) -> datetime:
    """`hours` after `start`, on the clock (24 h codes, 2 h forwarding, 15 min answers)."""
    local(start)
    return start + timedelta(hours=hours)

