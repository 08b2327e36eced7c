"""Configuration is the single source of truth: levels, triggers, outcome codes, consent, refusal and NFA
reason codes and lawful bases come from the form, catalogue and rules files, each checked by the JSON
Schema shipped beside it, and a council's edited file works with no code change."""

from __future__ import annotations

import json

import pytest
from intake_helpers import complete, subject

from triage_desk import decisions
from triage_desk.errors import InputError
from triage_desk.forms import consent_rules, validation
from triage_desk.forms.catalogue import DEFAULT_CATALOGUE, DEFAULT_RULES, load_catalogue, load_rules
from triage_desk.forms.document import new_document
from triage_desk.forms.form import DEFAULT_FORM, load_form
from triage_desk.forms.threshold import evaluate, load_context

NEW_REASON = "subject_in_hospital"


def _write(tmp_path, name: str, data: dict):
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def _council_rules(tmp_path):
    """A council's copy of the rules with one more reason for not seeking consent and one more NFA reason."""
    rules = json.loads(DEFAULT_RULES.read_text("utf-8"))
    rules["consent_not_sought_reasons"][NEW_REASON] = "the person is in hospital and cannot be asked in time"
    rules["nfa_reasons"]["closed_by_partner"] = "the partner agency already closed the concern"
    return _write(tmp_path, "council_rules.json", rules)


def _not_sought_doc(reason: str) -> dict:
    doc = complete(new_document("child"), subject(), received_at="2026-11-18T10:00")
    doc["concerns"]["indicators"] = ["parenting.parental_mental_health"]  # level 3: a reason code is needed
    doc["consent"]["records"] = [{"id": "r1", "person_id": doc["subjects"][0]["id"], "scope": "referral",
                                  "state": "not_sought", "reason_code": reason, "date": "2026-11-18",
                                  "recorded_by": "officer", "informed": False}]
    return doc


def test_a_new_consent_reason_in_a_council_rules_file_works_end_to_end(tmp_path):
    path = _council_rules(tmp_path)
    council = load_rules(path)
    doc = _not_sought_doc(NEW_REASON)
    # the shipped rules do not know the code: validation refuses it, naming the field
    shipped = [(p.path, p.message) for p in validation.blocking_problems(doc)]
    assert any(path == "consent.records[0].reason_code" and "not one of the reasons" in m and "Quorvale" in m
               for path, m in shipped)
    # the council's file does: validation, scoring, routing and the decision all accept it
    assert not [p for p in validation.blocking_problems(doc, rules=council) if "consent" in p.path]
    engine = evaluate(doc, context=load_context(rules_path=str(path)))
    assert engine["suggested_level"] == 3 and engine["consent"] == "not_sought"
    assert "reason_code" not in engine["requires"]  # the council's reason counts as the recorded reason
    assert engine["rules"]["sha256"] == council.sha256
    nfa = decisions.Proposal(3, ("NFA",), "The partner agency closed the concern before we could act.",
                             nfa_reason="closed_by_partner")
    assert decisions.check_proposal(engine, nfa, council) == []
    assert any("NFA reason" in p for p in decisions.check_proposal(engine, nfa))  # not a shipped code


def test_the_nfa_reason_must_be_a_configured_code():
    engine = evaluate(_not_sought_doc("undue_delay"))
    free_text = decisions.Proposal(3, ("NFA",), "No further action: nothing to add beyond universal help.",
                                   nfa_reason="because I said so")
    assert decisions.check_proposal(engine, free_text) == [
        "NFA reason: is not one of the reasons for no further action the rules define"]
    coded = decisions.Proposal(3, ("NFA",), free_text.rationale, nfa_reason="information_only")
    assert decisions.check_proposal(engine, coded) == []


def test_outcome_codes_and_levels_come_from_the_rules_file(tmp_path):
    engine = evaluate(_not_sought_doc("undue_delay"))
    assert decisions.check_proposal(engine, decisions.Proposal(5, ("S17",), "x" * 30)) == [
        "final level: must be 1, 2, 3 or 4"]
    assert decisions.check_proposal(engine, decisions.Proposal(3, ("S17", "TEA"), "x" * 30)) == [
        "outcomes: TEA is not an outcome the rules define"]
    rules = json.loads(DEFAULT_RULES.read_text("utf-8"))
    rules["outcomes"] = dict(reversed(list(rules["outcomes"].items())))  # a council lists them its own way
    ctx = load_context(rules_path=str(_write(tmp_path, "rules.json", rules)))
    doc = _not_sought_doc("undue_delay")
    doc["concerns"]["indicators"] = ["exploitation.sexual_exploitation"]
    doc["open_case"] = True
    shipped, council = evaluate(doc)["outcomes"], evaluate(doc, context=ctx)["outcomes"]
    assert len(shipped) > 1 and council == list(reversed(shipped))


def test_the_form_offers_exactly_the_reason_codes_and_lawful_bases_of_the_rules():
    form = load_form()
    rules = json.loads(DEFAULT_RULES.read_text("utf-8"))
    for name, key in (("consent_reason", "consent_not_sought_reasons"), ("lawful_basis", "lawful_bases"),
                      ("refusal_override", "refusal_override_reasons")):
        assert [c["value"] for c in form.choices(name)] == list(rules[key])
    assert all(c["label"][0].isupper() for c in form.choices("consent_reason"))
    bad = {"person_id": "p", "scope": "referral", "state": "given", "date": "2026-11-18", "form": "verbal",
           "recorded_by": "o", "informed": True, "lawful_basis": "gut_feeling",
           "by": {"name": "Mabe Quorvale", "standing": "adult_capacity"}}
    assert [p.path for p in consent_rules.check_record(bad)] == ["lawful_basis"]


@pytest.mark.parametrize("loader, default, mutate, where", [
    (load_rules, DEFAULT_RULES, lambda d: d["consent_not_sought_reasons"].update(undue_delay=7),
     "$.consent_not_sought_reasons.undue_delay: must be text"),
    (load_rules, DEFAULT_RULES, lambda d: d.pop("nfa_reasons"), "$.nfa_reasons: is missing"),
    (load_rules, DEFAULT_RULES, lambda d: d["working_hours"].update(start="9am"),
     "$.working_hours.start: must be a time HH:MM"),
    (load_rules, DEFAULT_RULES, lambda d: d["routing"].update(s42_adds=["S42", "S43"]),
     "$.routing.s42_adds: names outcome code(s) not configured in this file: S43"),
    (load_rules, DEFAULT_RULES, lambda d: d.update(nfa_outcome="CLOSE"), "$.nfa_outcome: names an outcome code"),
    (load_rules, DEFAULT_RULES, lambda d: d["consent_gates"]["3"].update(maybe={}),
     "$.consent_gates.3: names consent state(s) not configured in this file: maybe"),
    (load_catalogue, DEFAULT_CATALOGUE, lambda d: d["indicators"][2].update(level="3"),
     "$.indicators[2].level: must be a whole number"),
    (load_catalogue, DEFAULT_CATALOGUE, lambda d: d["levels"]["adult"].update({"x": "Extra"}),
     "$.levels.adult: must label levels by number"),
    (load_form, DEFAULT_FORM, lambda d: d["choices"].update(consent_reason={"rules": "nope"}),
     "$.choices.consent_reason.rules: must be one of: consent_not_sought_reasons"),
])
def test_each_file_error_names_the_file_the_json_path_and_the_problem(tmp_path, loader, default, mutate, where):
    data = json.loads(default.read_text("utf-8"))
    mutate(data)
    with pytest.raises(InputError) as exc:
        loader(_write(tmp_path, "council.json", data))
    assert str(exc.value).startswith("council.json: ") and where in str(exc.value)


def test_rag_words_state_the_configured_timescales(tmp_path):
    from triage_desk.forms.router import rag_words

    rules = json.loads(DEFAULT_RULES.read_text("utf-8"))
    shipped = load_rules(DEFAULT_RULES)
    assert rag_words("red", shipped) == "RED – act within 4 hours"
    assert rag_words("amber", shipped) == "AMBER – within 1 working day"
    rules["timescales"]["rag"]["red"] = {"hours": 2}
    rules["timescales"]["rag"]["green"] = {"working_days": 5}
    council = load_rules(_write(tmp_path, "rules.json", rules))
    assert (rag_words("red", council), rag_words("green", council)) == ("RED – act within 2 hours",
                                                                       "GREEN – within 5 working days")
