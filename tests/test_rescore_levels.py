"""Bulk rescoring (rescore_levels.py) gives exactly what the per-referral engine gives, document by document,
including the message for a document that cannot be scored; and the key it remembers results by covers
every fact the engine reads."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import default_catalogue, default_rules
from triage_desk.forms.engine import assess, assess_key
from triage_desk.forms.facts import CONSENT_PRIORITY, LONDON, DashFacts, Facts
from triage_desk.forms.threshold import score
from triage_desk.rescore_levels import LevelScorer

CAT = default_catalogue()
RULES = default_rules()
IDS = {p: sorted(i.id for i in CAT.for_population(p)) for p in ("child", "adult")}
SETTINGS = settings(max_examples=150, deadline=None)


def one_by_one(text: str) -> int | str:
    """What a referral gets when assessed on its own (`threshold.score`, as the app and `assess` do)."""
    try:
        document = json.loads(text)
    except ValueError:
        return "document: not valid JSON"
    try:
        return score(document)[1].suggested_level
    except InputError as exc:
        return str(exc)


# Documents as stored, mostly valid, with the ways a stored or imported one can be wrong mixed in.
indicator = st.sampled_from(IDS["child"] + IDS["adult"]) | st.sampled_from(["no.such_indicator", 7])
when = st.sampled_from(["2025-03-30T01:30", "2026-11-20T16:30", "2026-06-01T09:00+01:00", "2026-13-01T10:00",
                        "yesterday", None])
consent_record = st.fixed_dictionaries({"person_id": st.sampled_from(["p1", "p2"]),
                                        "scope": st.sampled_from(["referral", "checks", 1, 2]),
                                        "state": st.sampled_from(["given", "refused", "withdrawn", "not_sought",
                                                                  "unknown", "maybe"])})
dash = st.none() | st.fixed_dictionaries({"yes": st.none() | st.integers(-1, 26), "judgement_high": st.booleans(),
                                          "last_marac": st.none() | st.sampled_from(["2026-06-01", "2020-01-01",
                                                                                     "June"])})
subject = st.fixed_dictionaries({"kind": st.sampled_from(["child", "unborn", "adult"])},
                                optional={"estimated_age": st.integers(0, 99),
                                          "dob": st.sampled_from(["2015-02-03", "1950-12-31", "2015-02-30"])})


@st.composite
def document_text(draw) -> str:
    doc = {"schema": "triage-desk/referral", "variant": draw(st.sampled_from(["child", "adult", "puppy"])),
           "contact": {"received_at": draw(when), "channel": draw(st.sampled_from(["phone", "email", "fax"]))},
           "subjects": draw(st.lists(subject, min_size=0, max_size=2)),
           "consent": {"records": draw(st.lists(consent_record, max_size=3))},
           "concerns": {"indicators": draw(st.lists(indicator, max_size=5))},
           "dash": draw(dash), "open_case": draw(st.booleans())}
    if draw(st.booleans()):
        doc["s42"] = {"care_support_needs": draw(st.booleans()), "abuse_or_neglect": True,
                      "unable_to_protect": draw(st.sampled_from([True, False, "not_known", 3]))}
    text = json.dumps(doc)
    spoil = draw(st.sampled_from(["", "", "", "", "truncate", "nan"]))
    if spoil == "truncate":
        return text[: len(text) // 2]
    if spoil == "nan":  # json accepts NaN, orjson does not: the bulk path must still agree with json
        return text.replace('"open_case": ', '"open_case": NaN, "x": ', 1)
    return text


@SETTINGS
@given(st.lists(document_text(), min_size=1, max_size=12))
def test_bulk_scoring_matches_the_engine_one_referral_at_a_time(texts):
    scorer = LevelScorer(CAT, RULES)
    twice = texts + texts  # the second half is answered from the remembered levels
    assert scorer.score(twice) == [one_by_one(t) for t in twice]


opt_bool = st.sampled_from([True, False, None])
received = st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 31)).map(lambda d: d.replace(tzinfo=LONDON))
FIELDS = {f.name for f in fields(Facts)}


@st.composite
def facts(draw) -> Facts:
    kind = draw(st.sampled_from(["child", "unborn", "adult"]))
    pool = IDS["adult" if kind == "adult" else "child"]
    values = {
        "kind": kind, "indicators": tuple(draw(st.lists(st.sampled_from(pool), max_size=8, unique=True))),
        "received_at": draw(received), "age": draw(st.none() | st.integers(0, 99)),
        "consent": draw(st.sampled_from(["given", "refused", "not_sought", "unknown"])),
        "consent_reason": draw(st.sampled_from([None, "risk_of_harm"])),
        "dash": draw(st.none() | st.builds(
            DashFacts, yes=st.none() | st.integers(0, 24), judgement_high=st.booleans(),
            judgement_reason=st.sampled_from([None, "stalking"]),
            last_marac=st.none() | st.dates(date(2025, 1, 1), date(2026, 12, 31)))),
        "s42": draw(st.none() | st.tuples(opt_bool, opt_bool, opt_bool)),
        "open_case": draw(st.booleans()), "urgent": draw(st.booleans()),
        "channel": draw(st.sampled_from([None, "phone", "portal"])),
        "checks_consent": draw(st.sampled_from(["given", "unknown"]))}
    assert set(values) == FIELDS, "a new fact: draw it here too"
    return Facts(**values)


MARAC = Facts(kind="adult", indicators=(), received_at=datetime(2026, 5, 1, 9, tzinfo=LONDON),
              dash=DashFacts(yes=3, last_marac=date(2026, 1, 5)))


@settings(max_examples=400, deadline=None)
@given(facts(), facts(), st.sampled_from(sorted(FIELDS)))
@example(MARAC, replace(MARAC, received_at=datetime(2027, 5, 1, 9, tzinfo=LONDON)), "received_at")  # a repeat MARAC
def test_facts_with_the_same_key_get_the_same_result(f, g, name):
    """One fact is changed at a time: if the key stays the same, the engine's whole result must too
    (a key that missed a fact `assess` reads would let a rescore reuse a wrong level)."""
    other = replace(f, **{name: getattr(g, name)})
    if assess_key(other) == assess_key(f):
        assert assess(other, CAT, RULES) == assess(f, CAT, RULES)


def _consent_before(consent, rules, scopes=("referral", 1, "1")):
    """forms/facts.py's consent reading as it was (one pass per scope), to hold the one-pass version to."""
    if not isinstance(consent, dict) or not consent.get("records"):
        return "unknown", None
    records = consent["records"]
    if not isinstance(records, list):
        raise InputError("consent.records: must be a list")
    latest, data = {}, rules.data
    for n, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(f"consent.records[{n}]: must be an object")
        if rec.get("scope", "referral") not in scopes:
            continue
        state = rec.get("state")
        if state not in data["consent_states"]:
            raise InputError(f"consent.records[{n}].state: must be one of {', '.join(data['consent_states'])}")
        reason = rec.get("reason_code", rec.get("reason") if state == "not_sought" else None)
        if reason is not None and not (reason in data["consent_not_sought_reasons"]
                                       or reason in data["refusal_override_reasons"]):
            reason = None
        latest[rec.get("person_id", n)] = (state, reason)
    if not latest:
        return "unknown", None
    states = list(latest.values())
    state = min((s for s, _ in states), key=CONSENT_PRIORITY.index)
    return state, next((r for s, r in states if s == state and r), None)


def _outcome(fn):
    try:
        return fn()
    except (InputError, TypeError) as exc:
        return type(exc).__name__, str(exc)


record = st.dictionaries(
    st.sampled_from(["scope", "state", "reason_code", "reason", "person_id"]),
    st.sampled_from(["referral", "checks", 1, 2, "2", True, "given", "refused", "withdrawn", "not_sought",
                     "unknown", "maybe", "undue_delay", "free text", "", None, "p1", "p2", ["x"]]))
consent_object = st.none() | st.just([]) | st.fixed_dictionaries(
    {"records": st.lists(record | st.just("not a record"), max_size=5) | st.just("not a list")})


@settings(max_examples=400, deadline=None)
@given(consent_object)
def test_consent_read_in_one_pass_is_what_two_passes_gave(consent):
    from triage_desk.forms.facts import _document_consents

    before = _outcome(lambda: (_consent_before(consent, RULES), _consent_before(consent, RULES,
                                                                                ("checks", 2, "2"))[0]))
    assert _outcome(lambda: _document_consents(consent, RULES)) == before
