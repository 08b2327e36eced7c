"""How dates and times look to people, and how what they type is read (screens and PDFs alike).

One style everywhere: dates DD/MM/YYYY, times on the 24-hour clock in UK local time. "GMT"/"BST" is added
only where it matters: when the caller asks (signatures, audit times, anything compared across machines)
and always for a time in the hour the clocks go back, which happens twice that night.
Stored documents keep ISO dates (YYYY-MM-DD, YYYY-MM-DDTHH:MM); only what people see and type changes.
No Qt here: the CLI, the PDFs and the screens share it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from triage_desk.forms.clock import LONDON

DATE_HINT = "DD/MM/YYYY"
DATETIME_HINT = "DD/MM/YYYY HH:MM"
QT_DATE = "dd/MM/yyyy"  # the same style for Qt's date and date-time boxes
QT_DATETIME = "dd/MM/yyyy HH:mm"
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def to_moment(value: Any) -> datetime | date | None:
    """A date, or an aware date-time, from a stored value (naive = UK local time, 'Z' = UTC); None if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LONDON)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)


def from_utc(value: datetime | None) -> datetime | None:
    """A naive UTC time as stored by the audit and signature tables, made aware so it shows in UK time."""
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC))


def zone_name(moment: datetime) -> str:
    """'BST' or 'GMT' for an aware moment in UK local time."""
    return "BST" if moment.astimezone(LONDON).dst() else "GMT"


def _ambiguous(local: datetime) -> bool:
    """The wall time happens twice (the hour the clocks go back)."""
    naive = local.replace(tzinfo=None)
    return naive.replace(fold=0, tzinfo=LONDON).utcoffset() != naive.replace(fold=1, tzinfo=LONDON).utcoffset()


def fmt_date(value: Any, *, weekday: bool = False) -> str:
    """'30/11/2026' ('Mon 30/11/2026'); a date-time shows its UK local date; unreadable text as given."""
    moment = to_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if isinstance(moment, datetime):
        moment = moment.astimezone(LONDON).date()
    text = f"{moment:%d/%m/%Y}"
    return f"{moment:%a} {text}" if weekday else text


def fmt_day_month(value: Any) -> str:
    """'30/11': a chart's axis, where the year is in the title."""
    return fmt_date(value)[:5]


def fmt_datetime(value: Any, *, weekday: bool = False, zone: bool = False) -> str:
    """'30/11/2026 14:30' in UK local time (+ ' GMT'/' BST' when asked or ambiguous); a plain date as a date."""
    moment = to_moment(value)
    if not isinstance(moment, datetime):
        return fmt_date(value, weekday=weekday)
    local = moment.astimezone(LONDON)
    text = f"{local:%d/%m/%Y %H:%M}"
    if weekday:
        text = f"{local:%a} {text}"
    return f"{text} {zone_name(local)}" if zone or _ambiguous(local) else text


def fmt_when(value: Any, *, weekday: bool = False, zone: bool = False) -> str:
    """A stored date or date-time the way people read it (see fmt_date / fmt_datetime)."""
    return fmt_datetime(value, weekday=weekday, zone=zone)


def spelled_out(value: Any) -> str:
    """A typed date read back in words ('Mon 5 April 2016'), so 05/04 is seen to be 5 April, never 4 May."""
    moment = to_moment(value)
    if isinstance(moment, datetime):
        return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"  # no %-d: it does not exist on Windows
    return f"{moment:%a} {moment.day} {moment:%B %Y}" if moment else ""


def _year(text: str, today: date) -> int:
    """A four-digit year; two digits mean this century unless that is more than 10 years ahead (85 → 1985)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year + 10 else 1900
    return year


def parse_date_input(text: str, *, today: date | None = None) -> str | None:
    """The ISO date for what a person typed: 30/11/2026, 30/11/26, 30-11-2026, 30.11.2026 or 2026-11-30.
    Day first always (05/04/2016 is 5 April). None when it is not a real date."""
    text = (text or "").strip()
    today = today or date.today()
    try:
        if m := _DAY_FIRST.match(text):
            return date(_year(m[3], today), int(m[2]), int(m[1])).isoformat()
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None
    return None


def parse_datetime_input(text: str, *, today: date | None = None) -> str | None:
    """The ISO date-time (to the minute) for a typed date and 24-hour time: '30/11/26 14:30', '2026-11-30T14:30'."""
    text = (text or "").strip()
    parts = re.split(r"[ T,]+", text)
    if len(parts) != 2:
        return None
    day, clock = parse_date_input(parts[0], today=today), _TIME.match(parts[1])
    if day is None or clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
        return None
    return f"{day}T{int(clock[1]):02d}:{clock[2]}"
