from datetime import UTC, date, datetime

import pytest

from openivan.core.calendar import (
    VIETNAM_TZ,
    add_working_days,
    deadline_hours,
    deadline_working_days,
    is_working_day,
    shown,
    start_of_day,
    working_days_between,
)
from openivan.core.errors import OpenIvanError


def test_weekends_and_tet_are_not_working_days():
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 2, 17))  # Tết 2026
    assert is_working_day(date(2026, 11, 23))


def test_three_working_days_skip_the_lunar_new_year():
    # Received Friday 13/02/2026; Tết closes 16–20/02; the weekend follows.
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_national_day_and_its_adjacent_day_are_skipped():
    assert add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_working_days_between_counts_the_end_not_the_start():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 4  # 24/11 is a holiday
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 20)) == -4


def test_deadline_is_the_end_of_the_last_working_day_in_vietnam():
    received = datetime(2026, 2, 13, 16, 30, tzinfo=VIETNAM_TZ)
    assert deadline_working_days(received, 3) == datetime(2026, 2, 25, 23, 59, 59,
                                                          tzinfo=VIETNAM_TZ)


def test_hour_deadlines_are_on_the_clock_and_need_aware_times():
    start = datetime(2026, 11, 22, 9, 0, tzinfo=VIETNAM_TZ)
    assert deadline_hours(start, 24) == datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM_TZ)
    with pytest.raises(ValueError):
        deadline_hours(datetime(2026, 11, 22, 9, 0), 24)


def test_a_day_starts_at_midnight_in_vietnam():
    assert start_of_day("2026-11-22") == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["22/11/2026", "2026-02-30", ""])
def test_a_day_not_written_yyyy_mm_dd_is_refused(text):
    with pytest.raises(OpenIvanError) as refused:
        start_of_day(text)
    assert refused.value.code == "DATE_INVALID"


def test_a_moment_is_shown_in_vietnam_time_whatever_its_zone():
    assert shown(datetime(2026, 11, 22, 17, 5, tzinfo=UTC)) == "00:05 23/11/2026"
    with pytest.raises(ValueError):
        shown(datetime(2026, 11, 22, 17, 5))
