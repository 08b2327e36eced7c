"""One date style for people (issue 10, point 3): DD/MM/YYYY, 24-hour UK time, GMT/BST only where it
matters; dates typed the way people type them; the same words on screens and in PDFs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from triage_desk.formatting import fmt_date, fmt_datetime, fmt_when, parse_date_input, parse_datetime_input
from triage_desk.reports.pdf_styles import fmt_when as pdf_when

ROOT = Path(__file__).resolve().parent.parent / "triage_desk"
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("typed", ["30/11/26", "30-11-2026", "2026-11-30", "30.11.2026", "30/11/2026", " 30 11 2026 "])
def test_dates_are_read_as_people_type_them(typed):
    assert parse_date_input(typed, today=TODAY) == "2026-11-30"


def test_day_comes_first_and_two_digit_years_are_read_sensibly():
    assert parse_date_input("5/4/2016", today=TODAY) == "2016-04-05"
    assert parse_date_input("15/03/85", today=TODAY) == "1985-03-15"  # an adult's date of birth
    assert parse_date_input("1/2/36", today=TODAY) == "2036-02-01"
    for wrong in ("31/02/2026", "30/13/2026", "tomorrow", "", "2026-11"):
        assert parse_date_input(wrong, today=TODAY) is None


def test_date_times_take_a_24_hour_time():
    assert parse_datetime_input("30/11/26 14:30", today=TODAY) == "2026-11-30T14:30"
    assert parse_datetime_input("2026-11-30T07:05", today=TODAY) == "2026-11-30T07:05"
    assert parse_datetime_input("30.11.2026 9.05", today=TODAY) == "2026-11-30T09:05"
    assert parse_datetime_input("30/11/2026 25:00", today=TODAY) is None


def test_one_style_for_dates_and_times():
    assert fmt_date("2026-11-30") == "30/11/2026"
    assert fmt_when("2026-11-23T14:30") == "23/11/2026 14:30"
    assert fmt_when("2026-11-24T09:30", weekday=True) == "Tue 24/11/2026 09:30"
    # a UTC signature time is shown in UK time, with the zone because it is compared across machines
    assert fmt_datetime(datetime(2026, 7, 19, 7, 28, tzinfo=UTC), zone=True) == "19/07/2026 08:28 BST"
    assert fmt_datetime("2026-11-19T07:28Z", zone=True) == "19/11/2026 07:28 GMT"


def test_zone_is_named_in_the_hour_that_happens_twice():
    assert fmt_when("2026-10-25T01:30") == "25/10/2026 01:30 BST"
    assert fmt_when(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25/10/2026 01:30 GMT"
    assert fmt_when("2026-10-25T03:30") == "25/10/2026 03:30"


def test_pdfs_use_the_same_style_as_screens():
    for value in ("2026-11-23T14:30", "2026-11-23", "2026-11-19T07:28Z"):
        assert pdf_when(value) == fmt_when(value)
    assert pdf_when("2026-11-23T14:30") == "23/11/2026 14:30"


def test_no_screen_or_pdf_formats_dates_its_own_way():
    """Every date shown goes through triage_desk/formatting.py (Qt date boxes use its QT_DATE formats)."""
    ad_hoc = re.compile(r"%d/%m|%d %b|%b %Y|%B %Y|%a %d|\"dd/MM|'dd/MM|%M UTC|\" UTC\"")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in ROOT.rglob("*.py") if p.name != "formatting.py"
                 for n, line in enumerate(p.read_text("utf-8").splitlines(), 1) if ad_hoc.search(line)]
    assert not offenders, "dates formatted outside triage_desk/formatting.py: " + ", ".join(offenders)


def test_date_hints_agree_with_what_the_boxes_show():
    """The help line of every date field on the form says the style the box shows (DD/MM/YYYY)."""
    from triage_desk.ui.field_editors import load_form

    helps = [f.get("help") or "" for s in load_form()["sections"] for f in s.get("fields", [])
             if f.get("type") in ("date", "datetime")]
    assert helps and not [h for h in helps if "YYYY-MM-DD" in h]


def test_date_of_birth_box_normalises_what_was_typed(qtbot):
    from triage_desk.ui.field_editors import LineEditor, load_form

    form = load_form()
    dob = next(f for s in form["sections"] for f in s.get("fields", []) if f.get("id") == "dob")
    editor = LineEditor(dob, form)
    qtbot.addWidget(editor)
    assert editor.edit.placeholderText() == "DD/MM/YYYY"
    editor.edit.setText("5.4.16")
    editor.edit.editingFinished.emit()
    assert editor.edit.text() == "05/04/2016"
    assert editor.value() == "2016-04-05"  # the document keeps ISO
    assert editor.read_back.text() == "Tue 5 April 2016"
    editor.set_value("2016-04-05")
    assert editor.edit.text() == "05/04/2016"
