"""Working-day clock: weekends, England and Wales bank holidays (from `holidays`), office hours, DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from triage_desk.forms.clock import WorkingCalendar, iso_local
from triage_desk.forms.facts import LONDON

CAL = WorkingCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def wall(dt: datetime) -> str:
    return iso_local(dt)


def test_bank_holidays_come_from_the_holidays_package_with_substitute_days():
    days = CAL.bank_holidays(2026)
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2026, 4, 3), date(2026, 8, 31)} <= days
    assert date(2026, 12, 24) not in days  # Christmas Eve is a working day
    assert not CAL.is_working_day(date(2026, 12, 28))  # Boxing Day falls on Saturday, observed Monday
    assert CAL.is_working_day(date(2026, 12, 29))
    # Scotland has different holidays: the calendar follows the configured area
    scot = WorkingCalendar(subdiv="SCT")
    assert not scot.is_working_day(date(2026, 1, 2)) and CAL.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize("received, due", [
    ("2026-11-20T16:30", "2026-11-23T16:30"),  # Friday 16:30 -> Monday 16:30 (weekend skipped)
    ("2026-11-21T11:00", "2026-11-23T17:00"),  # Saturday -> clock starts Monday 09:00
    ("2026-11-23T07:45", "2026-11-23T17:00"),  # before opening -> same day close
    ("2026-11-23T17:00", "2026-11-24T17:00"),  # at closing time -> next day's close
    ("2026-11-23T09:00", "2026-11-23T17:00"),  # a full working day lands on closing time, not next morning
    ("2026-11-23T12:15", "2026-11-24T12:15"),
    ("2026-12-24T14:00", "2026-12-29T14:00"),  # Christmas Eve: 25th, weekend and 28th (observed) skipped
    ("2026-12-24T18:00", "2026-12-29T17:00"),  # Christmas Eve after hours
    ("2026-12-31T16:00", "2027-01-04T16:00"),  # New Year's Day then weekend
    ("2026-04-02T10:00", "2026-04-07T10:00"),  # Easter: Good Friday and Easter Monday
])
def test_one_working_day_from_receipt(received, due):
    assert wall(CAL.add_working_time(at(received), working_days=1)) == due


def test_three_working_days_over_christmas():
    assert wall(CAL.add_working_time(at("2026-12-23T10:00"), working_days=3)) == "2026-12-30T10:00"


def test_elapsed_hours_ignore_office_hours_and_survive_the_clock_change():
    assert wall(CAL.add_hours(at("2026-11-20T16:30"), 4)) == "2026-11-20T20:30"
    # clocks go back 01:00 on 25 October 2026: 24 elapsed hours end one wall-clock hour "earlier"
    assert wall(CAL.add_hours(at("2026-10-24T12:00"), 24)) == "2026-10-25T11:00"


def test_working_days_after_a_date_for_assessments_and_conferences():
    # 45 working days from Monday 2 November 2026 crosses Christmas (3 bank holidays)
    assert CAL.add_working_days(date(2026, 11, 2), 45) == date(2027, 1, 7)
    assert CAL.add_working_days(date(2026, 12, 18), 15) == date(2027, 1, 13)
    assert CAL.add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_working_time_between_counts_office_hours_only():
    assert CAL.working_time_between(at("2026-11-20T16:30"), at("2026-11-23T10:00")) == timedelta(hours=1, minutes=30)
    assert CAL.working_time_between(at("2026-11-23T10:00"), at("2026-11-20T10:00")) == timedelta()


def test_configurable_hours_change_the_length_of_a_working_day():
    cal = WorkingCalendar(start=time(8, 30), end=time(17, 30))
    assert wall(cal.add_working_time(at("2026-11-20T17:00"), working_days=1)) == "2026-11-23T17:00"
    assert wall(cal.add_working_time(at("2026-11-23T08:00"), hours=4)) == "2026-11-23T12:30"


def test_impossible_hours_are_refused():
    from triage_desk.errors import InputError

    with pytest.raises(InputError, match="working_hours.end"):
        WorkingCalendar(start=time(17), end=time(9))


def test_aware_times_in_other_zones_are_read_as_london_time():
    from zoneinfo import ZoneInfo

    utc = ZoneInfo("UTC")
    # 07:30 UTC on Friday 10 July 2026 is 08:30 BST: before opening, so due at Friday's close
    assert wall(CAL.add_working_time(datetime(2026, 7, 10, 7, 30, tzinfo=utc), working_days=1)) == "2026-07-10T17:00"
    assert wall(CAL.add_working_time(datetime(2026, 7, 10, 12, 0, tzinfo=utc), working_days=1)) == "2026-07-13T13:00"
