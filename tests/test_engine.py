"""Threshold engine: catalogue data, scoring boundaries, escalation, triggers, DASH, repeat MARAC, s42."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import (
    DEFAULT_CATALOGUE,
    DEFAULT_RULES,
    default_catalogue,
    default_rules,
    load_catalogue,
    load_rules,
)
from triage_desk.forms.engine import assess
from triage_desk.forms.facts import LONDON, DashFacts, Facts
from triage_desk.forms.threshold import load_context

CAT = default_catalogue()
RULES = default_rules()
RECEIVED = datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)  # a Wednesday


def run(kind="child", indicators=(), **kw):
    return assess(Facts(kind=kind, indicators=tuple(indicators), received_at=RECEIVED, **kw), CAT, RULES)


# --- the catalogue as shipped -------------------------------------------------------------------

def test_default_catalogue_covers_both_populations():
    child = CAT.for_population("child")
    adult = CAT.for_population("adult")
    assert len(child) >= 80 and len(adult) >= 40
    child_domains = [d for d, _ in CAT.domains["child"]]
    assert child_domains == ["health", "education", "parenting", "environment", "behaviour", "domestic_abuse",
                             "substance", "mental_health", "exploitation", "missing"]
    per_domain = Counter(i.domain for i in child)
    assert all(per_domain[d] >= 8 for d in child_domains), per_domain
    assert {i.level for i in child} == {1, 2, 3, 4}
    assert {i.trigger for i in CAT.indicators.values()} - {None} == set(default_rules().codes("triggers"))
    assert all(i.id.startswith("adult_") for i in adult)
    assert all(i.label and i.help for i in CAT.indicators.values())


def test_catalogue_ref_hashes_the_exact_file_bytes(tmp_path):
    raw = DEFAULT_CATALOGUE.read_bytes()
    copy = tmp_path / "cat.json"
    copy.write_bytes(raw + b"\n")  # same content, different bytes -> different hash
    assert load_catalogue(copy).sha256 != CAT.sha256
    assert CAT.ref == {"id": "triage-desk/continuum-of-need", "version": CAT.version, "sha256": CAT.sha256}
    assert len(CAT.sha256) == 64


@pytest.mark.parametrize("mutate, path", [
    (lambda d: d["indicators"].append(dict(d["indicators"][0])), "is used twice"),
    (lambda d: d["indicators"][3].update(level=5), "indicators[3].level"),
    (lambda d: d["indicators"][3].update(subject="dog"), "indicators[3].subject"),
    (lambda d: d["indicators"][3].update(trigger="bad"), "indicators[3].trigger"),
    (lambda d: d["indicators"][3].update(domain="nowhere"), "indicators[3].domain"),
    (lambda d: d["indicators"][3].pop("label"), "indicators[3].label"),
    (lambda d: d["levels"]["child"].pop("4"), "levels.child"),
])
def test_a_broken_catalogue_file_is_refused_naming_the_path(tmp_path, mutate, path):
    data = json.loads(DEFAULT_CATALOGUE.read_text())
    mutate(data)
    f = tmp_path / "broken.json"
    f.write_text(json.dumps(data))
    with pytest.raises(InputError, match="broken.json") as exc:
        load_context(str(f))  # the catalogue alone, then against the rules (triggers are the rules')
    assert path in str(exc.value)


def test_a_broken_rules_file_is_refused(tmp_path):
    data = json.loads(DEFAULT_RULES.read_text())
    data["routing"]["child"]["2"] = ["EH", "BOGUS"]
    f = tmp_path / "rules.json"
    f.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"routing\.child\.2"):
        load_rules(f)


# --- scoring ------------------------------------------------------------------------------------

def test_domain_level_is_the_highest_indicator_not_a_sum():
    r = run(indicators=["health.missed_checks", "health.minor_health_problems", "health.poor_diet_hygiene",
                        "health.checks_up_to_date"])
    assert r.domain_levels == {"health": 2}
    assert r.suggested_level == 2  # three level-2 indicators in ONE domain do not escalate


def test_suggested_level_is_the_highest_domain_level():
    r = run(indicators=["education.occasional_absence", "parenting.parental_mental_health"])
    assert r.domain_levels == {"education": 2, "parenting": 3}
    assert r.suggested_level == 3 and r.level_label == "Complex - Child in Need"


def test_no_indicators_is_level_one():
    r = run()
    assert r.suggested_level == 1 and r.domain_levels == {}


def test_level_two_in_three_domains_escalates_to_three_and_names_the_rule():
    r = run(indicators=["health.missed_checks", "education.occasional_absence", "environment.poor_housing"])
    assert r.indicator_level == 2 and r.suggested_level == 3
    assert r.escalation == "multiple_needs"
    assert any("rule multiple_needs" in x and "3 domains" in x for x in r.reasons)


def test_level_two_in_two_domains_stays_at_two():
    r = run(indicators=["health.missed_checks", "education.occasional_absence"])
    assert r.suggested_level == 2 and r.escalation is None
    assert not any("multiple_needs" in x for x in r.reasons)


def test_escalation_can_be_switched_off_in_the_rules(tmp_path):
    data = json.loads(DEFAULT_RULES.read_text())
    data["escalation"]["enabled"] = False
    f = tmp_path / "rules.json"
    f.write_text(json.dumps(data))
    rules = load_rules(f)
    facts = Facts(kind="child", indicators=("health.missed_checks", "education.occasional_absence",
                                            "environment.poor_housing"), received_at=RECEIVED)
    assert assess(facts, CAT, rules).suggested_level == 2


@pytest.mark.parametrize("iid, trigger", [
    ("parenting.disclosure_of_abuse", "disclosure_of_abuse"),
    ("health.non_accidental_injury", "injury"),
    ("exploitation.sexual_abuse", "sexual_abuse"),
    ("domestic_abuse.fgm_risk", "fgm_risk"),
    ("exploitation.criminal_exploitation", "exploitation"),
])
def test_hard_triggers_are_named_and_say_consider_strategy_discussion(iid, trigger):
    r = run(indicators=[iid])
    assert r.triggers == (trigger,)
    assert any(trigger in x and "strategy discussion" in x and iid in x for x in r.reasons)


def test_unborn_child_is_scored_as_a_child():
    r = run(kind="unborn", indicators=["substance.baby_exposed"])
    assert r.population == "child" and r.kind == "unborn"
    assert r.suggested_level == 4 and r.level_label == "Acute - Child Protection"
    assert any("unborn" in x for x in r.reasons)


# --- DASH ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("yes, band", [(0, "standard"), (1, "standard"), (9, "standard"), (10, "medium"),
                                       (13, "medium"), (14, "high"), (24, "high")])
def test_dash_bands(yes, band):
    r = run(indicators=["domestic_abuse.early_signs"], dash=DashFacts(yes=yes))
    assert r.dash_score == yes and r.dash_risk == band


def test_no_dash_checklist_means_no_dash_risk():
    assert run(indicators=["domestic_abuse.early_signs"]).dash_risk is None


def test_last_marac_alone_is_not_a_dash_score():
    from datetime import date
    r = run(dash=DashFacts(yes=None, last_marac=date(2026, 6, 1)))
    assert r.dash_score is None and r.dash_risk is None and r.repeat_marac


def test_professional_judgement_makes_dash_high_below_fourteen_with_reason():
    r = run(dash=DashFacts(yes=6, judgement_high=True, judgement_reason="strangulation"))
    assert r.dash_risk == "high"
    assert any("professional judgement" in x and "strangulation" in x for x in r.reasons)


def test_free_text_judgement_reason_is_not_echoed():
    r = run(dash=DashFacts(yes=6, judgement_high=True, judgement_reason="Fake Person said something"))
    assert r.dash_risk == "high"
    assert not any("Fake Person" in x for x in r.reasons)


@pytest.mark.parametrize("last, repeat", [
    ("2025-11-19", True),   # 12 months less a day before receipt (2026-11-18)
    ("2025-11-18", False),  # exactly 12 months: outside the window
    ("2026-11-18", True),   # same day
    ("2024-06-01", False),
])
def test_repeat_marac_inside_and_outside_twelve_months(last, repeat):
    from datetime import date
    r = run(dash=DashFacts(yes=3, last_marac=date.fromisoformat(last)))
    assert r.repeat_marac is repeat
    assert any("repeat MARAC" in x for x in r.reasons) is repeat


# --- adults and s42 -----------------------------------------------------------------------------

def test_adult_with_two_of_three_s42_tests_has_no_duty():
    r = run(kind="adult", indicators=["adult_self_neglect.hoarding"], s42=(True, True, False))
    assert r.s42_duty is False and r.suggested_level == 3
    assert any("does not apply" in x and "unable to protect" in x for x in r.reasons)


def test_adult_with_all_three_s42_tests_has_the_duty_and_level_four():
    r = run(kind="adult", indicators=["adult_self_neglect.hoarding"], s42=(True, True, True))
    assert r.s42_duty is True and r.suggested_level == 4
    assert any("rule s42_duty" in x for x in r.reasons)


def test_unknown_s42_test_is_not_a_yes():
    assert run(kind="adult", s42=(True, None, True)).s42_duty is False


def test_children_have_no_s42_duty():
    assert run(s42=(True, True, True)).s42_duty is None


def test_adult_high_dash_is_level_four_and_child_level_is_unchanged():
    adult = run(kind="adult", indicators=["adult_domestic_abuse.standard_risk"], dash=DashFacts(yes=15))
    child = run(indicators=["domestic_abuse.early_signs"], dash=DashFacts(yes=15))
    assert adult.suggested_level == 4
    assert child.suggested_level == 2 and child.dash_risk == "high"


def test_persistent_asb_with_vulnerability_flags_community_marac():
    r = run(kind="adult", indicators=["adult_asb.persistent_victim", "adult_learning_disability.support_gaps"])
    assert r.cmarac
    assert not run(kind="adult", indicators=["adult_asb.persistent_victim"]).cmarac
