"""Outcome routing: the default table, consent gates at every level, additions, RAG and deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest

from triage_desk.forms.engine import assess
from triage_desk.forms.facts import LONDON, DashFacts, Facts
from triage_desk.forms.router import route
from triage_desk.forms.threshold import default_context

CTX = default_context()
RECEIVED = datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)  # Wednesday 10:00
CHILD_AT = {1: "health.checks_up_to_date", 2: "health.missed_checks", 3: "health.chronic_condition_untreated",
            4: "health.faltering_growth"}  # none of these is a hard trigger
ADULT_AT = {1: "adult_housing.settled", 2: "adult_housing.housing_problems", 3: "adult_housing.eviction_risk",
            4: "adult_housing.rough_sleeping"}


def go(kind="child", indicators=(), **kw):
    kw.setdefault("received_at", RECEIVED)
    f = Facts(kind=kind, indicators=tuple(indicators), **kw)
    r = assess(f, CTX.catalogue, CTX.rules)
    return r, route(r, f, CTX.rules, CTX.calendar)


# (level, consent state) -> (outcomes, requires) for a child, reason code absent
CHILD_TABLE = {
    (1, "given"): ({"IAG", "UNIV"}, []), (1, "refused"): ({"IAG", "UNIV"}, []),
    (1, "not_sought"): ({"IAG", "UNIV"}, []), (1, "withdrawn"): ({"IAG", "UNIV"}, []),
    (1, "unknown"): ({"IAG", "UNIV"}, []),
    (2, "given"): ({"EH"}, []), (2, "refused"): ({"IAG", "UNIV"}, []), (2, "withdrawn"): ({"IAG", "UNIV"}, []),
    (2, "not_sought"): ({"EH"}, ["referral_consent", "practice_lead_approval", "reason_code"]),
    (2, "unknown"): ({"EH"}, ["referral_consent"]),
    (3, "given"): ({"S17"}, []), (3, "refused"): ({"S17"}, ["practice_lead_decision"]),
    (3, "withdrawn"): ({"S17"}, ["practice_lead_decision"]),
    (3, "not_sought"): ({"S17"}, ["practice_lead_approval", "reason_code"]),
    (3, "unknown"): ({"S17"}, ["referral_consent"]),
    (4, "given"): ({"STRAT"}, []), (4, "refused"): ({"STRAT"}, ["reason_code"]),
    (4, "withdrawn"): ({"STRAT"}, ["reason_code"]),
    (4, "not_sought"): ({"STRAT"}, ["practice_lead_approval", "reason_code"]),
    (4, "unknown"): ({"STRAT"}, ["reason_code"]),
}


@pytest.mark.parametrize("level, state", sorted(CHILD_TABLE))
def test_every_consent_state_at_every_level_for_a_child(level, state):
    r, routing = go(indicators=[CHILD_AT[level]], consent=state)
    assert r.suggested_level == level
    outcomes, requires = CHILD_TABLE[(level, state)]
    assert set(routing.outcomes) == outcomes
    assert list(routing.requires) == requires


@pytest.mark.parametrize("state", ["refused", "withdrawn", "not_sought", "unknown"])
def test_a_reason_code_satisfies_the_level_four_requirement(state):
    _, routing = go(indicators=[CHILD_AT[4]], consent=state, consent_reason="increase_risk_to_child")
    assert "reason_code" not in routing.requires
    assert "STRAT" in routing.outcomes


ADULT_TABLE = {1: {"IAG", "UNIV"}, 2: {"ADULT_OTHER"}, 3: {"TAA"}, 4: {"TAA"}}


@pytest.mark.parametrize("level", [1, 2, 3, 4])
@pytest.mark.parametrize("state", ["given", "refused", "not_sought", "withdrawn", "unknown"])
def test_every_consent_state_at_every_level_for_an_adult(level, state):
    _, routing = go("adult", [ADULT_AT[level]], consent=state)
    expected = ADULT_TABLE[level] if not (level == 2 and state in ("refused", "withdrawn")) else {"IAG", "UNIV"}
    assert set(routing.outcomes) == expected
    if level == 3 and state in ("refused", "withdrawn"):
        assert "practice_lead_decision" in routing.requires
    if level == 4 and state != "given":
        assert "reason_code" in routing.requires


def test_s42_duty_routes_to_s42_instead_of_team_around_the_adult():
    _, routing = go("adult", [ADULT_AT[3]], consent="given", s42=(True, True, True))
    assert set(routing.outcomes) == {"S42"}
    _, routing = go("adult", [ADULT_AT[3]], consent="given", s42=(True, True, False))
    assert set(routing.outcomes) == {"TAA"}


def test_hard_trigger_adds_strategy_discussion_at_any_level():
    # exploitation trigger on a level-4 indicator plus low-level needs elsewhere
    _, routing = go(indicators=["exploitation.grooming"], consent="given")
    assert "STRAT" in routing.outcomes
    # a level-4 adult trigger (cuckooing) still adds STRAT beside the adult outcome
    _, routing = go("adult", ["adult_housing.cuckooing"], consent="given")
    assert {"STRAT", "TAA"} <= routing.outcomes


def test_high_dash_adds_marac_without_replacing_child_procedures():
    _, routing = go(indicators=[CHILD_AT[3]], consent="given", dash=DashFacts(yes=14))
    assert routing.outcomes == {"S17", "MARAC"}
    _, routing = go(indicators=[CHILD_AT[3]], consent="given", dash=DashFacts(yes=13))
    assert routing.outcomes == {"S17"}


def test_repeat_marac_adds_marac_even_at_standard_risk():
    from datetime import date
    _, routing = go(indicators=["domestic_abuse.early_signs"], consent="given",
                    dash=DashFacts(yes=2, last_marac=date(2026, 6, 1)))
    assert "MARAC" in routing.outcomes


def test_judgement_high_without_reason_is_pending():
    _, routing = go(indicators=[CHILD_AT[2]], consent="given", dash=DashFacts(yes=4, judgement_high=True))
    assert "MARAC" in routing.outcomes and "dash_judgement_reason" in routing.requires


def test_open_case_adds_open_and_keeps_the_rest():
    _, routing = go(indicators=[CHILD_AT[3]], consent="given", open_case=True)
    assert routing.outcomes == {"S17", "OPEN"}


def test_community_marac_for_asb_with_vulnerability():
    _, routing = go("adult", ["adult_asb.persistent_perpetrator", "adult_mental_health.low_level_needs"],
                    consent="given")
    assert "CMARAC" in routing.outcomes


def test_router_never_proposes_nfa():
    for level in (1, 2, 3, 4):
        for state in ("given", "refused", "unknown"):
            assert "NFA" not in go(indicators=[CHILD_AT[level]], consent=state)[1].outcomes


def test_outcomes_come_out_in_the_table_order():
    _, routing = go(indicators=["exploitation.grooming", "parenting.parental_mental_health"], consent="given",
                    open_case=True, dash=DashFacts(yes=20))
    assert routing.ordered_outcomes == ["STRAT", "OPEN", "MARAC"]


@pytest.mark.parametrize("indicators, extra, rag", [
    ([CHILD_AT[1]], {}, "green"),
    ([CHILD_AT[2]], {}, "green"),
    ([CHILD_AT[3]], {}, "amber"),
    ([CHILD_AT[4]], {}, "red"),
    ([CHILD_AT[2]], {"urgent": True}, "red"),
    (["missing.talk_of_running_away", "exploitation.criminal_exploitation"], {}, "red"),
    ([CHILD_AT[2]], {"dash": DashFacts(yes=16)}, "red"),
])
def test_rag_priority_and_its_deadline(indicators, extra, rag):
    _, routing = go(indicators=indicators, consent="given", **extra)
    assert routing.rag == rag
    expected = {"red": datetime(2026, 11, 18, 14, 0), "amber": datetime(2026, 11, 19, 10, 0),
                "green": datetime(2026, 11, 23, 10, 0)}[rag]
    assert routing.rag_due.replace(tzinfo=None) == expected
    assert routing.decision_due.replace(tzinfo=None) == datetime(2026, 11, 19, 10, 0)


def test_phone_referral_needs_written_confirmation_within_24_hours():
    _, routing = go(indicators=[CHILD_AT[2]], channel="phone")
    assert routing.confirmation_due.replace(tzinfo=None) == datetime(2026, 11, 19, 10, 0)
    assert go(indicators=[CHILD_AT[2]], channel="email")[1].confirmation_due is None


@pytest.mark.parametrize("checks, needs_decision", [("given", False), ("unknown", False), ("refused", True),
                                                    ("not_sought", True), ("withdrawn", True)])
def test_agency_checks_without_consent_need_a_practice_lead_decision(checks, needs_decision):
    _, routing = go(indicators=[CHILD_AT[3]], consent="given", checks_consent=checks)
    assert ("checks_decision" in routing.requires) is needs_decision


def test_deadlines_for_later_steps_use_the_configured_timescales():
    from triage_desk.forms.threshold import due

    strategy_decided = datetime(2026, 12, 18, 11, 0, tzinfo=LONDON)
    assert due("strategy_discussion", strategy_decided).replace(tzinfo=None) == datetime(2026, 12, 19, 11, 0)
    # ICPC within 15 working days of the strategy discussion, across Christmas and New Year
    assert due("icpc", strategy_decided).replace(tzinfo=None) == datetime(2027, 1, 13, 11, 0)
    # 45 working days of working time from Monday 2 November 10:00 (Christmas bank holidays skipped)
    assert due("child_and_family_assessment", datetime(2026, 11, 2, 10, 0)).replace(tzinfo=None) \
        == datetime(2027, 1, 7, 10, 0)
    from triage_desk.errors import InputError
    with pytest.raises(InputError, match="timescales.lunch"):
        due("lunch", strategy_decided)
