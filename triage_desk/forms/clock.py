"""Working-time arithmetic for front-door deadlines (England and Wales working days).

Definitions (documented for staff and auditors):

* A **working day** is a weekday (configurable) that is not an England and Wales bank holiday. Bank
  holidays come from the `holidays` package (`country_holidays("GB", subdiv="ENG")`), never a
  hand-written table, so substitute days (e.g. Boxing Day observed on a Monday) are right.
* **Working hours** are the configured office hours, default 09:00-17:00 local time (Europe/London).
* **N working days from receipt** = N x (length of a working day) of *working time*, counted from
  the moment of receipt; time outside working hours does not count. A referral received outside
  working hours starts the clock at the start of the next working period. So with 09:00-17:00:
  received Friday 16:30 -> due Monday 16:30; received Saturday -> due Monday 17:00; received
  Thursday 24 December 2026 14:00 -> due Tuesday 29 December 14:00 (25th, weekend, 28th observed).
  A deadline that falls exactly at the end of a working day is reported as that day's closing
  time (17:00), not the next morning.
* **Hours** deadlines (RAG red 4 h, phone confirmation 24 h, strategy discussion 24 h) are elapsed
  clock hours, computed on absolute time so a clock change does not shift them.
* **Working days after a date** (assessment 45 days, ICPC 15 days) count whole working days after
  the start date.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import Rules

UTC = ZoneInfo("UTC")
_DAY = timedelta(days=1)


def _hhmm(value: str, path: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"rules: {path} must be a time HH:MM") from None


def _country_calendar(code: str):
    """The `holidays` class for one country, importing only that country's module.

    `holidays.country_holidays` goes through the `holidays.countries` package, whose __init__ imports
    every country (about 0.1 s, most of a CLI command's start), and the top `holidays` package reads its
    own version through importlib.metadata (email, csv, socket: another ~0.1 s). The registry names the
    module, and both packages are entered without running their __init__ (submodules import by path)."""
    for package in ("holidays", "holidays.countries"):
        if package not in sys.modules:
            sys.modules[package] = importlib.util.module_from_spec(importlib.util.find_spec(package))
    from holidays.registry import COUNTRIES

    module = next((m for m, names in COUNTRIES.items() if code in names[1:]), None)
    if module is None:
        raise InputError(f"rules: working_hours.holidays.country: {code!r} is not a country code")
    return getattr(importlib.import_module(f"holidays.countries.{module}"), COUNTRIES[module][0])


class WorkingCalendar:
    """Working days and hours for one area. Holiday dates are cached per year."""

    def __init__(self, start: time = time(9), end: time = time(17), weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
                 timezone: str = "Europe/London", country: str = "GB", subdiv: str | None = "ENG"):
        if end <= start:
            raise InputError("rules: working_hours.end must be after working_hours.start")
        self.start, self.end, self.weekdays = start, end, frozenset(weekdays)
        self.tz = ZoneInfo(timezone)
        self.start_s = start.hour * 3600 + start.minute * 60 + start.second
        self.end_s = end.hour * 3600 + end.minute * 60 + end.second
        self.day_seconds = self.end_s - self.start_s
        self._country, self._subdiv = country, subdiv
        self._calendar = _country_calendar(country)
        self._calendar(subdiv=subdiv)  # fail now, not mid-calculation, on a bad region
        self._years: dict[int, frozenset[date]] = {}
        self._working: dict[date, bool] = {}
        self._next: dict[date, date] = {}

    @classmethod
    def from_rules(cls, rules: Rules) -> WorkingCalendar:
        wh = rules["working_hours"]
        hol = wh.get("holidays") or {}
        from triage_desk import policy

        region = policy.current().holiday_subdiv  # the IT policy's bank-holiday region wins over the rules file
        return cls(_hhmm(wh["start"], "working_hours.start"), _hhmm(wh["end"], "working_hours.end"),
                   tuple(wh.get("weekdays", (0, 1, 2, 3, 4))), wh.get("timezone", "Europe/London"),
                   "GB" if region else hol.get("country", "GB"), region or hol.get("subdiv", "ENG"))

    def bank_holidays(self, year: int) -> frozenset[date]:
        days = self._years.get(year)
        if days is None:
            days = frozenset(self._calendar(subdiv=self._subdiv, years=year))
            self._years[year] = days
        return days

    def is_working_day(self, d: date) -> bool:
        known = self._working.get(d)
        if known is None:
            known = self._working[d] = d.weekday() in self.weekdays and d not in self.bank_holidays(d.year)
        return known

    def next_working_day(self, d: date) -> date:
        # memoised: rescoring many referrals asks about the same few hundred dates again and again
        nxt = self._next.get(d)
        if nxt is None:
            nxt = d + _DAY
            while not self.is_working_day(nxt):
                nxt += _DAY
            self._next[d] = nxt
        return nxt

    def add_working_days(self, d: date, n: int) -> date:
        """The date n working days after d (d itself does not count)."""
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def local(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=self.tz) if dt.tzinfo is None else dt.astimezone(self.tz)

    def add_hours(self, dt: datetime, hours: float) -> datetime:
        """Elapsed clock hours, safe across clock changes."""
        return (self.local(dt).astimezone(UTC) + timedelta(hours=hours)).astimezone(self.tz)

    def add_working_time(self, dt: datetime, working_days: float = 0, hours: float = 0) -> datetime:
        """dt plus an amount of working time (see the module notes for the definition)."""
        tz = self.tz
        local = dt if dt.tzinfo is tz else (dt.replace(tzinfo=tz) if dt.tzinfo is None else dt.astimezone(tz))
        seconds = round(working_days * self.day_seconds + hours * 3600)
        return self.add_working_time_local(local.replace(tzinfo=None), seconds).replace(tzinfo=tz)

    def add_working_time_local(self, local: datetime, seconds: int) -> datetime:
        """Naive wall-clock version of add_working_time, in whole seconds."""
        day = local.date()
        pos = local.hour * 3600 + local.minute * 60 + local.second
        start, end = self.start_s, self.end_s
        if pos >= end or not self.is_working_day(day):
            day, pos = self.next_working_day(day), start
        elif pos < start:
            pos = start
        while seconds > end - pos:  # "<=" stays on this day, so an exact fit ends at closing time
            seconds -= end - pos
            day, pos = self.next_working_day(day), start
        return datetime(day.year, day.month, day.day) + timedelta(seconds=pos + seconds)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from start to end (zero when end is before start): for 'time left'."""
        a, b = self.local(start).replace(tzinfo=None), self.local(end).replace(tzinfo=None)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, datetime.combine(day, self.start))
                hi = min(b, datetime.combine(day, self.end))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


LONDON = ZoneInfo("Europe/London")


def london_now() -> datetime:
    """Now as naive Europe/London wall time, to the second: the referral document's convention (the
    machine itself may run on UTC). The one "now" every service uses."""
    return datetime.now(LONDON).replace(tzinfo=None, microsecond=0)


def whole_years(born: date, on: date) -> int:
    """Age in whole years on a day (a 29 February birthday counts from 1 March in other years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def iso_local(dt: datetime) -> str:
    """Local Europe/London wall time as `YYYY-MM-DDTHH:MM` (the referral document's convention)."""
    if dt.tzinfo is not None and dt.tzinfo is not LONDON:
        dt = dt.astimezone(LONDON)
    # %-formatting: about twice as fast as isoformat() on an aware datetime, which matters when rescoring
    return "%04d-%02d-%02dT%02d:%02d" % (dt.year, dt.month, dt.day, dt.hour, dt.minute)  # noqa: UP031
