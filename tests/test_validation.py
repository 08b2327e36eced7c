"""Validation names the field and the problem in plain words; what blocks submission is always listed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_helpers import complete, subject

from triage_desk.forms.document import new_document
from triage_desk.forms.field_checks import nhs_check_digit_ok, validate_field
from triage_desk.forms.form import FIELD_TYPES, load_form
from triage_desk.forms.validation import blocking_problems, problems

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 0)


def _field(kind: str, **extra) -> dict:
    return {"id": "x", "path": "x", "type": kind, "label": f"Test {kind} box", "required": "or_unknown",
            "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}], **extra}


def _check(field: dict, value):
    return validate_field(field, value, today=TODAY, now=NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=40)
    | st.sampled_from(["not_known", "not_applicable", "yes", "no", "2026-02-30", "2026-11-23T25:00", "SW1A 1AA",
                       "943 476 5919", "+44 20 7946 0000", "a@b.co", "", " "]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(kind=st.sampled_from(FIELD_TYPES), value=json_values, required=st.sampled_from(["yes", "or_unknown", "no"]),
       rule=st.sampled_from([None, "past", "edd"]))
def test_fuzzed_values_never_crash_and_every_refusal_names_the_field(kind, value, required, rule):
    field = _field(kind, required=required, date_rule=rule)
    message = _check(field, value)
    assert message is None or (isinstance(message, str) and message.startswith("Test " + kind + " box (x): "))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_every_field_of_the_shipped_form_survives_fuzzing(data):
    form = load_form()
    section = data.draw(st.sampled_from(form.sections))
    if not section["fields"]:
        return
    field = data.draw(st.sampled_from(section["fields"]))
    message = validate_field(field, data.draw(json_values), form, today=TODAY, now=NOW)
    assert message is None or message.startswith(f"{field['label']} ({field['path']}): ")


@pytest.mark.parametrize("number, ok", [("9434765919", True), ("943 476 5919", True), ("943-476-5919", True),
                                        ("9434765918", False), ("943476591", False), ("94347659199", False),
                                        ("abcdefghij", False)])
def test_nhs_number_has_ten_digits_and_a_modulus_11_check_digit(number, ok):
    message = _check(_field("nhs_number"), number)
    assert (message is None) == ok
    if not ok:
        assert "NHS" not in message or "check digit" in message or "10 digits" in message


def test_check_digit_remainder_ten_is_never_valid():
    assert nhs_check_digit_ok("0000000019")  # weighted sum 2: check digit 11 - 2 = 9
    # weighted sum 12 (6 x weight 2) leaves remainder 1, check digit 10: such numbers are never issued
    assert not any(nhs_check_digit_ok("000000006" + str(d)) for d in range(10))


def test_dates_of_birth_in_the_future_are_refused_in_plain_words():
    dob = _field("date", date_rule="past", label="Date of birth")
    assert _check(dob, "2026-11-24") == "Date of birth (x): is in the future"
    assert _check(dob, "2026-11-23") is None
    assert _check(dob, "2026-02-30") == "Date of birth (x): is not a real date"
    assert _check(dob, "23/11/2020") == "Date of birth (x): must be a date YYYY-MM-DD"
    assert _check(dob, "not_known") is None


def test_expected_delivery_date_must_be_within_ten_months_ahead():
    edd = _field("date", date_rule="edd", label="Expected delivery date", required="yes")
    assert _check(edd, "2027-09-23") is None
    assert "more than 10 months ahead" in _check(edd, "2027-09-24")
    assert "in the past" in _check(edd, "2026-11-22")
    assert "'not known' is not accepted" in _check(edd, "not_known")


@pytest.mark.parametrize("kind, good, bad", [
    ("postcode", ["SW1A 1AA", "m1 1ae", "B338TH", "ZX12 3AB", "GIR 0AA"], ["SW1A", "12345", "SW1A 1A", "EC1A-1BB"]),
    ("email", ["ref@example.org", "a.b+c@nhs.net"], ["ref@", "no at sign", "a@b", "a b@example.org"]),
    ("phone", ["0100 912345", "020 7946 0000", "07700 900123", "+44 20 7946 0000"], ["12345", "phone me", "0100"]),
    ("integer", [0, 7, 120], [-1, 121, "7", 7.5, True]),
    ("yesno", ["yes", "no", "not_known"], ["maybe", True]),
    ("bool", [True, False], ["yes", 1]),
    ("choice", ["a", "not_known"], ["c", 3]),
    ("multichoice", [["a"], ["a", "b"]], [["a", "a"], ["c"], "a"]),
    ("datetime", ["2026-11-23T09:00", "2026-11-23T09:00:30"], ["2026-11-23", "2026-11-23 9am", "2026-13-01T09:00"]),
])
def test_each_type_accepts_good_values_and_names_the_field_for_bad_ones(kind, good, bad):
    field = _field(kind, min=0, max=120)
    for value in good:
        assert _check(field, value) is None, value
    for value in bad:
        message = _check(field, value)
        assert message and message.startswith(f"Test {kind} box (x): "), value


def test_a_new_draft_lists_what_blocks_submission_by_label_never_path():
    found = blocking_problems(new_document("child"))
    text = "\n".join(p.message for p in found)
    assert "Referrer name: is required" in text
    assert "Subjects: at least 1 subject is required" in text
    assert "The concern: is required" in text
    assert "Consent to the referral: " in text
    assert {"referrer.name", "concerns.narrative", "concerns.child_protection"} <= {p.path for p in found}
    assert "(" + "concerns." not in text and "(referrer." not in text  # paths stay on Problem.path
    assert all(p.blocking for p in found)


def test_a_complete_referral_has_nothing_blocking():
    doc = complete(new_document("child"), subject())
    doc["contact"]["received_at"] = "2026-11-20T10:00"
    assert [p.message for p in blocking_problems(doc)] == []


def test_not_known_satisfies_mandatory_or_unknown_but_blank_does_not():
    doc = complete(new_document("child"), subject())
    doc["voice"]["subject_views"] = "not_known"
    assert not [p for p in problems(doc) if p.path == "voice.subject_views"]
    del doc["voice"]["subject_views"]
    (p,) = [p for p in problems(doc) if p.path == "voice.subject_views"]
    assert p.kind == "missing" and "give a value or 'not known'" in p.message


def test_validation_follows_visibility_unborn_child_needs_edd_not_dob():
    doc = complete(new_document("child"), subject())
    s = doc["subjects"][0]
    s.update(kind="unborn")
    del s["dob"]
    paths = {p.path for p in blocking_problems(doc)}
    assert "subjects[0].edd" in paths and "subjects[0].dob" not in paths
    s["edd"] = "2027-03-01"
    assert "subjects[0].edd" not in {p.path for p in problems(doc, today=TODAY)}


def test_estimated_age_is_required_when_the_date_of_birth_is_not_known():
    doc = complete(new_document("child"), subject())
    doc["subjects"][0]["dob"] = "not_known"
    assert "subjects[0].estimated_age" in {p.path for p in blocking_problems(doc)}
    doc["subjects"][0]["estimated_age"] = 9
    assert "subjects[0].estimated_age" not in {p.path for p in blocking_problems(doc)}


def test_referrer_needs_a_phone_or_an_email():
    doc = complete(new_document("child"), subject())
    del doc["referrer"]["phone"], doc["referrer"]["email"]
    (p,) = [p for p in blocking_problems(doc) if p.path.startswith("referrer.")]
    assert "Phone or Secure email" in p.message


def test_adult_variant_shows_section_i_and_refuses_a_child_subject():
    doc = complete(new_document("adult"), subject())
    paths = {p.path for p in blocking_problems(doc)}
    assert "adult.care_support_needs" in paths and "subjects[0].kind" in paths
    assert "consent.child_consulted" not in paths


def test_not_informed_needs_a_reason_and_bad_consent_records_block():
    doc = complete(new_document("child"), subject())
    doc["consent"]["informed"] = {doc["subjects"][0]["id"]: {"informed": "no"}}
    doc["consent"]["records"][0]["state"] = "not_sought"
    paths = {p.path for p in blocking_problems(doc)}
    assert any(p.endswith(".reason") for p in paths) and "consent.records[0].reason_code" in paths


def test_phone_referral_without_written_confirmation_is_a_warning_only():
    doc = complete(new_document("child"), subject())
    doc["contact"]["channel"] = "phone"
    (w,) = [p for p in problems(doc) if p.kind == "warning"]
    assert not w.blocking and w.path == "contact.confirmed_at"
    assert w not in blocking_problems(doc)


def test_bad_dash_answers_and_unknown_indicators_block_submission():
    doc = complete(new_document("child"), subject())
    doc["dash"] = {"answers": [True] * 3}
    doc["concerns"]["indicators"] = ["health.no_such_thing"]
    found = {p.path: p for p in blocking_problems(doc)}
    assert found["dash.answers"].section == "dash" and "24" in found["dash.answers"].message
    assert found["concerns.indicators[0]"].section == "threshold"


def test_age_that_does_not_fit_the_variant_is_a_warning():
    doc = complete(new_document("child"), subject(dob="2000-01-01"))
    (w,) = [p for p in problems(doc, today=TODAY) if p.path == "subjects[0].dob"]
    assert not w.blocking and "18 or over" in w.message


def test_times_are_judged_in_london_time_not_the_machine_zone():
    from triage_desk.forms.clock import london_now

    field = _field("datetime", date_rule="past", label="Received at")
    now = london_now()
    assert validate_field(field, now.strftime("%Y-%m-%dT%H:%M")) is None


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for n, v in enumerate(obj):
            yield from _paths(v, (*prefix, n))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_whole_documents_with_any_value_anywhere_never_crash_validation(data):
    from triage_desk.forms.wizard_flow import WizardFlow

    doc = complete(new_document(data.draw(st.sampled_from(["child", "adult"]))), subject())
    doc["household"] = [{"id": "hh-1", "name": "Ala Testvale", "relationship": "mother"}]
    doc["dash"] = {"answers": [False] * 24}
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = data.draw(json_values)
    found = problems(doc, today=TODAY, now=NOW)
    assert all(isinstance(p.message, str) and f"({p.path})" not in p.message for p in found)
    flow = WizardFlow(load_form(), doc)
    for _ in flow.steps:
        flow.page_problems()
        flow.next()


def test_consent_reminders_for_approval_and_proceeding_do_not_block():
    doc = complete(new_document("child"), subject(), received_at="2026-11-20T10:00")
    rec = doc["consent"]["records"][0]
    rec.update(state="not_sought", reason_code="undue_delay")
    del rec["by"], rec["form"]
    (w,) = [p for p in problems(doc) if p.kind == "warning"]
    assert w.path == "consent.records[0].approved_by" and not w.blocking
    rec["approved_by"] = "Lead Testperson"
    assert not [p for p in problems(doc) if p.kind == "warning"]
    assert blocking_problems(doc) == []


def test_a_consent_message_names_the_person_never_their_id():
    # found (issue 10 point 2): "Reason not informed (consent.informed.9f1ae99f-…reason)"
    doc = complete(new_document("child"), subject(surname="Pimcombe", forenames="Jade"))
    pid = doc["subjects"][0]["id"]
    doc["consent"]["informed"] = {pid: {"informed": "no"}}
    found = [p for p in problems(doc, today=TODAY, now=NOW) if p.path == f"consent.informed.{pid}.reason"]
    assert found and found[0].message.startswith("Jade Pimcombe — reason not informed: ")
    assert pid not in found[0].message and "consent.informed" not in found[0].message


def test_a_value_with_an_empty_key_never_shows_its_path():
    # found by Hypothesis: {"": null} at consent.informed gave "Informed (consent.informed.): …"
    doc = complete(new_document("child"), subject())
    doc["consent"]["informed"] = {"": None}
    messages = [p.message for p in problems(doc, today=TODAY, now=NOW) if p.path.startswith("consent.informed")]
    assert messages and all("consent.informed" not in m and m.startswith("Informed") for m in messages)
