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


SHIPPED_PROBE = ("import sys; from triage_desk.forms.threshold import default_context; "
                 "from triage_desk.forms.form import load_form; default_context(); load_form(); "
                 "print('jsonschema' in sys.modules)")


def test_loading_the_shipped_form_catalogue_and_rules_does_not_import_jsonschema():
    # found: validating the shipped files with jsonschema cost ~170 ms of every command's start
    out = subprocess.run([sys.executable, "-c", SHIPPED_PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_shipped_files_pass_their_schemas_and_their_digests_are_recorded():
    import json

    from triage_desk.forms import schema_check

    recorded = set(json.loads(schema_check.SHIPPED_VALID.read_text("utf-8")))
    for schema_name, file_name in schema_check.SHIPPED:
        raw = (schema_check.SCHEMAS_DIR / file_name).read_bytes()
        assert schema_check.problems(json.loads(raw), schema_name) == [], file_name
        assert schema_check.digest(schema_name, raw) in recorded, (
            f"{file_name} changed: run `python -m triage_desk.forms.schema_check` to validate and record it")


def test_a_file_that_differs_from_the_shipped_one_by_a_byte_is_validated(tmp_path):
    from triage_desk.forms.catalogue import DEFAULT_RULES, load_rules

    edited = tmp_path / "rules.json"
    edited.write_bytes(DEFAULT_RULES.read_bytes().replace(b'"nfa_outcome"', b'"nfa_outcome_"', 1))
    with pytest.raises(InputError, match=r"rules.json: .*\$\.nfa_outcome"):
        load_rules(edited)


def test_the_calendar_does_not_read_package_metadata():
    # found: `import holidays` reads its version through importlib.metadata (~0.1 s of every start)
    probe = PROBE.replace("print(sorted(m for m in sys.modules if m.startswith('holidays.countries.')))",
                          "print('importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
