"""Consent per person and scope: invalid combinations are refused with a message, withdrawal keeps history,
and the threshold engine reads the same current state."""

from __future__ import annotations

from datetime import date

import pytest
from intake_helpers import complete, subject

from triage_desk.errors import InputError
from triage_desk.forms import consent_rules
from triage_desk.forms.document import new_document
from triage_desk.forms.threshold import evaluate

TODAY = date(2026, 11, 23)


@pytest.fixture
def doc():
    d = complete(new_document("child"), subject())
    d["consent"]["records"] = []
    d["household"] = [{"id": "mum-1", "name": "Mabe Quorvale", "relationship": "mother",
                       "parental_responsibility": "yes"}]
    return d


def _child(doc) -> str:
    return doc["subjects"][0]["id"]


def given(doc, **over) -> dict:
    rec = {"person_id": _child(doc), "scope": "referral", "state": "given", "date": "2026-11-20", "form": "verbal",
           "by": {"name": "Mabe Quorvale", "standing": "parental_responsibility"}, "recorded_by": "officer",
           "informed": True}
    rec.update(over)
    return rec


def _refused(doc, record) -> str:
    with pytest.raises(InputError) as err:
        consent_rules.add_record(doc, record, today=TODAY)
    assert doc["consent"]["records"] == []  # nothing half-stored
    return str(err.value)


def test_parent_with_parental_responsibility_can_consent(doc):
    rec = consent_rules.add_record(doc, given(doc), today=TODAY)
    assert rec["id"] and doc["consent"]["records"] == [rec]
    assert consent_rules.current_state(doc, "referral") == "given"


def test_not_sought_needs_a_reason_code(doc):
    msg = _refused(doc, given(doc, state="not_sought", by=None, form=None))
    assert "Reason consent was not sought (reason_code): is required" in msg
    rec = given(doc, state="not_sought", reason_code="prejudice_police_investigation", approved_by="lead")
    del rec["by"], rec["form"]
    consent_rules.add_record(doc, rec, today=TODAY)
    assert consent_rules.current_state(doc, "referral") == "not_sought"


def test_a_child_under_12_cannot_consent_alone(doc):
    msg = _refused(doc, given(doc, by={"name": "Testina", "standing": "child_competent", "age": 10},
                              competence_assessed=True))
    assert "a child under 12 cannot consent alone" in msg and "by.standing" in msg


def test_a_child_of_12_to_15_consents_only_with_competence_assessed(doc):
    rec = given(doc, by={"name": "Testina", "standing": "child_competent", "age": 13})
    assert "competence has been assessed" in _refused(doc, rec)
    consent_rules.add_record(doc, dict(rec, competence_assessed=True), today=TODAY)


def test_competent_child_standing_outside_12_to_15_is_refused(doc):
    msg = _refused(doc, given(doc, by={"name": "Testina", "standing": "child_competent", "age": 16},
                              competence_assessed=True))
    assert "Mental Capacity Act" in msg
    assert "age" in _refused(doc, given(doc, by={"name": "Testina", "standing": "child_competent"}))


def test_best_interests_needs_a_capacity_assessment_and_decision(doc):
    rec = given(doc, by={"name": "Dr Testdoc", "standing": "best_interests"})
    msg = _refused(doc, rec)
    assert "capacity_assessment" in msg and "best_interests_decision" in msg
    consent_rules.add_record(doc, dict(rec, capacity_assessment="assessed 2026-11-19 by Dr Testdoc",
                                       best_interests_decision="meeting 2026-11-20"), today=TODAY)


def test_lacks_capacity_reason_needs_the_assessment_too(doc):
    rec = {"person_id": _child(doc), "scope": "referral", "state": "not_sought", "reason_code": "lacks_capacity",
           "date": "2026-11-20", "recorded_by": "officer", "informed": False}
    assert "capacity_assessment" in _refused(doc, rec)


def test_sharing_needs_a_named_agency_and_referral_scope_does_not_take_one(doc):
    assert "name the agency" in _refused(doc, given(doc, scope="sharing"))
    assert "applies only to the sharing scope" in _refused(doc, given(doc, agency="Police"))
    consent_rules.add_record(doc, given(doc, scope="sharing", agency="Testford Police"), today=TODAY)
    assert consent_rules.current_state(doc, "sharing", agency="Testford Police") == "given"
    assert consent_rules.current_state(doc, "sharing", agency="Other agency") == "unknown"


def test_given_needs_who_how_when_and_who_recorded_it(doc):
    msg = _refused(doc, {"person_id": _child(doc), "scope": "checks", "state": "given"})
    for key in ("(by)", "(date)", "(recorded_by)", "(informed)", "(form)"):
        assert key in msg


def test_future_dates_and_unknown_people_are_refused(doc):
    assert "in the future" in _refused(doc, given(doc, date="2026-12-01"))
    assert "not a subject or household member" in _refused(doc, given(doc, person_id="someone-else"))


def test_informed_is_kept_apart_from_consent(doc):
    consent_rules.add_record(doc, given(doc, state="refused", informed=True, refusal_reason="disagrees"),
                             today=TODAY)
    (rec,) = doc["consent"]["records"]
    assert rec["informed"] is True and rec["state"] == "refused"


def test_refusal_overridden_needs_who_decided_and_an_override_reason(doc):
    rec = given(doc, state="refused", proceeds=True)
    msg = _refused(doc, rec)
    assert "proceed_decided_by" in msg and "override_reason" in msg
    consent_rules.add_record(doc, dict(rec, proceed_decided_by="lead", override_reason="significant_harm"),
                             today=TODAY)


def test_withdrawal_is_a_new_record_and_keeps_the_history(doc):
    first = consent_rules.add_record(doc, given(doc, scope="checks"), today=TODAY)
    w = consent_rules.withdraw(doc, first["id"], on="2026-11-22", recorded_by="officer", today=TODAY)
    assert w["supersedes"] == first["id"] and w["state"] == "withdrawn"
    assert [r["state"] for r in consent_rules.history(doc, _child(doc), "checks")] == ["given", "withdrawn"]
    assert consent_rules.current_state(doc, "checks") == "withdrawn"
    with pytest.raises(InputError, match="already been replaced"):
        consent_rules.withdraw(doc, first["id"], on="2026-11-22", recorded_by="officer", today=TODAY)
    with pytest.raises(InputError, match="only consent that was given"):
        consent_rules.withdraw(doc, w["id"], on="2026-11-22", recorded_by="officer", today=TODAY)
    with pytest.raises(InputError, match="never edited"):
        consent_rules.add_record(doc, dict(first), today=TODAY)


def test_least_permissive_person_governs_and_matches_the_threshold_engine(doc):
    consent_rules.add_record(doc, given(doc), today=TODAY)
    consent_rules.add_record(doc, given(doc, person_id="mum-1", state="refused"), today=TODAY)
    assert consent_rules.current_state(doc, "referral") == "refused"
    assert consent_rules.current_state(doc, "referral", person_id=_child(doc)) == "given"
    assert evaluate(doc)["consent"] == "refused"


def test_check_record_lists_problems_for_the_ui_without_raising(doc):
    problems = consent_rules.check_record(given(doc, state="not_sought"), doc, today=TODAY)
    assert problems and all(p.message and p.path for p in problems)
    assert consent_rules.check_record(given(doc), doc, today=TODAY) == []
