"""A command starts without loading what it does not use: the bank-holiday calendar is one country's."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from triage_desk.errors import InputError
from triage_desk.forms.clock import WorkingCalendar

PROBE = ("import sys; from datetime import date; from triage_desk.forms.clock import WorkingCalendar; "
         "WorkingCalendar().is_working_day(date(2026, 12, 25)); "
         "print(sorted(m for m in sys.modules if m.startswith('holidays.countries.')))")


def test_only_the_configured_countrys_holidays_are_loaded():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['holidays.countries.united_kingdom']"


def test_the_calendar_still_knows_english_and_scottish_bank_holidays():
    assert not WorkingCalendar().is_working_day(date(2026, 12, 28))  # Boxing Day substitute (Monday)
    assert WorkingCalendar().is_working_day(date(2026, 1, 2))  # England works on 2 January
    assert not WorkingCalendar(subdiv="SCT").is_working_day(date(2026, 1, 2))


def test_an_unknown_country_code_is_refused_by_name():
    with pytest.raises(InputError, match="holidays.country"):
        WorkingCalendar(country="QQ")
