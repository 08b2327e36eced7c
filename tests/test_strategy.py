"""Strategy discussion records, the minutes PDF and the redacted pack per attending agency."""

from __future__ import annotations

import json
import uuid

import pytest
from casework_helpers import PARAMS, draft, pdf_text
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import decisions, intake, lifecycle, partners, redaction, sharing, strategy
from triage_desk.errors import InputError
from triage_desk.forms.threshold import evaluate
from triage_desk.models import AuditEvent, Deadline, Partner

POLICE_TEXT = "Police hold a record of a domestic incident at the address in March."
FIRE_TEXT = "Fire service fitted smoke alarms at the home last year."
SCHOOL_TEXT = "Attendance is 82 percent this term with lateness on Mondays."
WITHHELD_WHAT = "12 Quillon Row"
SOCIAL_TEXT = f"Mother has moved to {WITHHELD_WHAT} with the children."
GOLDEN = {r: True for r in sharing.rule_ids()}


def minutes(decision: str = "s47", **extra) -> dict:
    m = {"held_at": "2026-11-20T15:00",
         "attendees": [{"agency": "social_care", "role": "Team manager", "name": "Sam Testmanager",
                        "attendance": "present"},
                       {"agency": "police", "role": "Detective sergeant", "attendance": "present"},
                       {"agency": "fire", "role": "Safeguarding officer", "attendance": "present"},
                       {"agency": "education", "role": "Designated safeguarding lead", "attendance": "apologies"}],
         "information": [{"agency": "police", "text": POLICE_TEXT}, {"agency": "fire", "text": FIRE_TEXT},
                         {"agency": "education", "text": SCHOOL_TEXT},
                         {"agency": "social_care", "text": SOCIAL_TEXT}],
         "decision": decision,
         "actions": [{"action": "Joint visit with police", "owner": "Social worker and DS", "agency": "police",
                      "due": "2026-11-21"},
                     {"action": "Check smoke alarms again", "owner": "Fire officer", "agency": "fire",
                      "due": "2026-11-27"}],
         "next_steps": "Section 47 enquiry led by the assessment team."}
    if decision == "s47":
        m["icpc_date"] = "2026-12-08"
    m.update(extra)
    return m


@pytest.fixture
def case(workspace):
    """A case holding a strategy discussion, with a withheld item, consent to share with the school and a
    recorded decision to share with the police; the fire service has no signed agreement."""
    act_as(workspace, "officer")
    partners.ensure_partners(workspace)
    doc = draft(workspace)
    doc["consent"]["withhold"] = [{"what": WITHHELD_WHAT, "why": "the father must not find the new address"}]
    doc["consent"]["records"].append({"id": str(uuid.uuid4()), "person_id": doc["subjects"][0]["id"],
                                      "scope": "sharing", "agency": "Education", "state": "given",
                                      "date": "2026-11-20", "form": "verbal", "recorded_by": "officer",
                                      "informed": True,
                                      "by": {"name": "Parent Testperson", "standing": "parental_responsibility"}})
    doc = intake.submit(workspace, doc)
    engine = evaluate(doc)
    decisions.decide(workspace, doc["id"], engine, decisions.Proposal(engine["suggested_level"],
                                                                      tuple(engine["outcomes"])))
    lifecycle.transition(workspace, doc["id"], "start_strategy", **PARAMS["start_strategy"])
    sharing.record_sharing_decision(workspace, doc["id"], "police", True, "Police lead the joint enquiry.",
                                   GOLDEN, "public_task")
    return doc


def test_recording_meets_the_clock_and_starts_the_record_and_icpc_clocks(workspace, case):
    strategy.record(workspace, case["reference"], minutes())
    with workspace.session() as s:
        clocks = {d.kind: d for d in s.execute(select(Deadline).where(Deadline.referral_id == case["id"])).scalars()}
    assert clocks["strategy_discussion"].state in ("met", "missed")
    assert clocks["strategy_record"].state == "open" and clocks["icpc"].state == "open"
    strategy.circulate(workspace, case["reference"])
    with workspace.session() as s:
        assert s.get(Deadline, clocks["strategy_record"].id).state in ("met", "missed")


def test_bad_minutes_are_refused_naming_the_field(workspace, case, tmp_path):
    problems = strategy.check(minutes(decision="nfa", icpc_date="2026-12-01"))
    assert any("$.icpc_date" in p for p in problems)
    bad = minutes()
    bad["attendees"][1]["attendance"] = "maybe"
    del bad["held_at"]
    path = tmp_path / "minutes.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError) as err:
        strategy.load_file(str(path))
    assert "minutes.json $.held_at: required" in str(err.value)
    assert "$.attendees[1].attendance: must be one of present, apologies" in str(err.value)
    with pytest.raises(InputError, match="not a partner in the directory"):
        strategy.record(workspace, case["reference"], minutes(attendees=[{"agency": "made-up", "role": "x",
                                                                          "attendance": "present"}],
                                                              information=[]))


def test_a_case_not_holding_a_strategy_discussion_refuses_a_record(workspace):
    from casework_helpers import at_state

    doc = at_state(workspace, "assessment")
    with pytest.raises(InputError, match="Hold a strategy discussion"):
        strategy.record(workspace, doc["reference"], minutes())


def test_pack_for_an_agency_without_an_agreement_withholds_others_and_the_family_list(workspace, case, tmp_path):
    strategy.record(workspace, case["reference"], minutes())
    fire = pdf_text(redaction.pack_pdf(workspace, case["reference"], "fire"), tmp_path)
    assert FIRE_TEXT in fire  # what it shared itself
    for secret in (POLICE_TEXT, SCHOOL_TEXT, WITHHELD_WHAT, "Joint visit with police"):
        assert secret not in fire
    assert "withheld:" in fire
    assert "no signed information-sharing agreement" in fire

    police = pdf_text(redaction.pack_pdf(workspace, case["reference"], "police"), tmp_path)
    assert POLICE_TEXT in police and SCHOOL_TEXT in police and WITHHELD_WHAT in police  # recorded decision

    school = pdf_text(redaction.pack_pdf(workspace, case["reference"], "education"), tmp_path)
    assert POLICE_TEXT in school  # consent to share with the school
    assert WITHHELD_WHAT not in school and "withheld: kept from the family" in school

    full = pdf_text(strategy.minutes_pdf(workspace, case["reference"]), tmp_path)
    assert all(t in full for t in (POLICE_TEXT, FIRE_TEXT, SCHOOL_TEXT, WITHHELD_WHAT))
    with workspace.session() as s:
        packs = [json.loads(e.detail) for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "strategy.pack")).scalars()]
    assert [(p["agency"], p["basis"]) for p in packs] == [("fire", "no_isa"), ("police", "shared"),
                                                          ("education", "consent")]
    assert packs[0]["withheld"] >= 3 and all(WITHHELD_WHAT not in json.dumps(p) for p in packs)


def test_a_recorded_decision_not_to_share_overrides_consent(workspace, case, tmp_path):
    sharing.record_sharing_decision(workspace, case["id"], "education", False,
                                   "The school is a witness; sharing could prejudice the enquiry.", GOLDEN, None)
    strategy.record(workspace, case["reference"], minutes())
    school = pdf_text(redaction.pack_pdf(workspace, case["reference"], "education"), tmp_path)
    assert POLICE_TEXT not in school and SCHOOL_TEXT in school
    assert "recorded decision not to share" in school
    with pytest.raises(InputError, match="did not attend"):
        redaction.pack_for(workspace, case["reference"], "housing")


def test_every_attending_agency_gets_its_own_pack_in_one_step(workspace, case, tmp_path):
    import os

    strategy.record(workspace, case["reference"], minutes())
    with workspace.session() as s:
        names = dict(s.execute(select(Partner.id, Partner.name)).all())
    assert redaction.attending_agencies(workspace, case["reference"]) == [
        ("social_care", "Children's social care"), ("police", names["police"]), ("fire", names["fire"]),
        ("education", names["education"])]
    folder = tmp_path / "packs"
    folder.mkdir()
    saved = redaction.save_packs(workspace, case["reference"], folder)
    assert sorted(p.name for p in saved) == sorted(f"{case['reference']}-{a}-pack.pdf"
                                                   for a in ("police", "fire", "education"))
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in saved)
    fire = pdf_text((folder / f"{case['reference']}-fire-pack.pdf").read_bytes(), tmp_path)
    assert FIRE_TEXT in fire and POLICE_TEXT not in fire and "withheld:" in fire
    with workspace.session() as s:
        audited = [json.loads(e.detail)["agency"] for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "strategy.pack")).scalars()]
    assert sorted(audited) == ["education", "fire", "police"]
    with pytest.raises(InputError, match="already exists"):  # never overwrites a pack already saved
        redaction.save_packs(workspace, case["reference"], folder)


def test_a_discussion_cannot_be_recorded_as_held_in_the_future(workspace, case):
    from datetime import datetime

    with pytest.raises(InputError, match="held_at: .*future"):
        strategy.record(workspace, case["reference"], minutes(held_at="2026-12-01T09:30"),
                        now=datetime(2026, 11, 30, 9, 0))
    with workspace.session() as s:
        assert s.execute(select(Deadline.state).where(Deadline.referral_id == case["id"],
                                                      Deadline.kind == "strategy_discussion")).scalar() == "open"
