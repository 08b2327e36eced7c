"""Property tests (hypothesis) for the scoring engine over the shipped catalogue."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from triage_desk.forms.catalogue import default_catalogue, default_rules
from triage_desk.forms.engine import assess
from triage_desk.forms.facts import LONDON, DashFacts, Facts
from triage_desk.forms.router import route
from triage_desk.forms.threshold import default_context

CAT = default_catalogue()
RULES = default_rules()
IDS = {p: sorted(i.id for i in CAT.for_population(p)) for p in ("child", "adult")}
RECEIVED = datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)

opt_bool = st.sampled_from([True, False, None])
dash = st.none() | st.builds(DashFacts, yes=st.none() | st.integers(0, 24), judgement_high=st.booleans(),
                             last_marac=st.none() | st.dates(date(2024, 1, 1), date(2026, 11, 18)))


@st.composite
def facts(draw, extra: bool = False):
    kind = draw(st.sampled_from(["child", "unborn", "adult"]))
    pool = IDS["adult" if kind == "adult" else "child"]
    chosen = draw(st.lists(st.sampled_from(pool), max_size=12, unique=True))
    s42 = draw(st.none() | st.tuples(opt_bool, opt_bool, opt_bool))
    f = Facts(kind=kind, indicators=tuple(chosen), received_at=RECEIVED, dash=draw(dash), s42=s42)
    if not extra:
        return f
    more = draw(st.sampled_from(pool))
    return f, more


SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(facts())
def test_suggested_level_never_below_any_chosen_indicator(f):
    r = assess(f, CAT, RULES)
    assert all(r.suggested_level >= CAT.indicators[i].level for i in f.indicators)
    assert r.suggested_level >= max(r.domain_levels.values(), default=1)


@SETTINGS
@given(facts(extra=True))
def test_adding_an_indicator_never_lowers_the_level(pair):
    f, more = pair
    before = assess(f, CAT, RULES).suggested_level
    bigger = Facts(kind=f.kind, indicators=tuple(dict.fromkeys(f.indicators + (more,))), received_at=f.received_at,
                   dash=f.dash, s42=f.s42)
    assert assess(bigger, CAT, RULES).suggested_level >= before


@SETTINGS
@given(facts())
def test_reasons_name_every_indicator_at_the_final_level(f):
    r = assess(f, CAT, RULES)
    text = "\n".join(r.reasons)
    for iid in f.indicators:
        if CAT.indicators[iid].level == r.suggested_level:
            assert iid in text
    assert f"suggested level {r.suggested_level}" in text
    # a level above every indicator must be explained by a named rule
    if r.suggested_level > r.indicator_level:
        assert r.rules_applied and all(f"rule {name}" in text for name in r.rules_applied)


@SETTINGS
@given(facts())
def test_every_trigger_among_the_indicators_is_reported(f):
    r = assess(f, CAT, RULES)
    expected = {CAT.indicators[i].trigger for i in f.indicators} - {None}
    assert set(r.triggers) == expected


@SETTINGS
@given(facts(), st.sampled_from(["given", "refused", "not_sought", "withdrawn", "unknown"]), st.booleans())
def test_routing_always_proposes_something_and_never_nfa(f, consent, open_case):
    f.consent, f.open_case = consent, open_case
    r = assess(f, CAT, RULES)
    routing = route(r, f, RULES, default_context().calendar)
    assert routing.outcomes and "NFA" not in routing.outcomes
    assert ("STRAT" in routing.outcomes) >= bool(r.triggers)  # a hard trigger always adds STRAT
    assert ("OPEN" in routing.outcomes) is open_case
    assert routing.decision_due > f.received_at
