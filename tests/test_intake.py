"""Drafts, submission, opening a case and linking matches: what the officer sees and what is audited."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from intake_helpers import complete, subject
from sqlalchemy import select

from triage_desk import intake
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import AuditEvent, Person, Referral


def _actions(ws, action: str) -> list[AuditEvent]:
    with ws.session() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_new_draft_is_saved_at_once_with_a_reference(workspace):
    doc = intake.new_draft(workspace, "child")
    drafts = intake.list_drafts(workspace)
    assert [d.id for d in drafts] == [doc["id"]]
    assert drafts[0].reference == doc["reference"]
    assert doc["reference"].startswith("TD-") and len(doc["reference"]) == 14
    second = intake.new_draft(workspace, "adult")
    assert int(second["reference"][-6:]) == int(doc["reference"][-6:]) + 1


def test_autosave_is_idempotent_and_audited_once_per_session(workspace):
    doc = intake.new_draft(workspace)
    doc["subjects"] = [subject()]
    for step in ("contact", "referrer", "referrer", "subjects"):
        intake.save_draft(workspace, doc, step)
        intake.save_draft(workspace, doc, step)
    assert len(_actions(workspace, "referral.draft_save")) == 1
    saved, step = intake.resume_draft(workspace, doc["id"])
    assert saved == doc and step == "subjects"
    with workspace.session() as s:
        assert s.execute(select(Referral.subject_name)).scalar_one() == "QUORVALE, Testina"


def test_submit_refuses_and_names_every_missing_field(workspace):
    doc = intake.new_draft(workspace)
    with pytest.raises(InputError) as err:
        intake.submit(workspace, doc)
    msg = str(err.value)
    assert "Referrer name: is required" in msg and "Subjects: at least 1" in msg and "The concern: is required" in msg
    assert "referrer.name" not in msg  # words, never paths
    assert intake.list_drafts(workspace)[0].id == doc["id"]  # still a draft


def test_submit_records_people_scores_and_closes_the_draft(workspace):
    doc = complete(intake.new_draft(workspace), subject(nhs="9434765919"), received_at="2026-11-20T16:30")
    done = intake.submit(workspace, doc)
    assert done["status"] == "submitted"
    assert intake.list_drafts(workspace) == []
    with workspace.session() as s:
        row = s.get(Referral, doc["id"])
        people = list(s.execute(select(Person)).scalars())
    # no indicators, not urgent: level 1, green; received Friday 16:30 -> decision due Monday 16:30 (working day)
    assert row.status == "submitted" and row.suggested_level == 1 and row.rag == "green"
    assert row.decision_due == datetime(2026, 11, 23, 16, 30)
    assert [p.nhs_number for p in people] == ["9434765919"]
    with pytest.raises(InputError, match="already submitted"):
        intake.submit(workspace, doc)
    with pytest.raises(InputError, match="no longer a draft"):
        intake.save_draft(workspace, doc, "x")


def test_opening_a_case_is_audited_without_personal_data(workspace):
    doc = intake.submit(workspace, complete(intake.new_draft(workspace), subject(surname="Vellbottle")))
    opened = intake.open_case(workspace, doc["reference"])
    assert opened["subjects"][0]["surname"] == "Vellbottle"
    views = _actions(workspace, "case.view")
    assert [v.target_id for v in views] == [doc["id"]]
    assert all("Vellbottle" not in e.detail for e in _actions(workspace, "referral.submit") + views)
    with pytest.raises(InputError, match="no referral"):
        intake.open_case(workspace, "TD-2020-999999")


def test_link_and_reject_are_audited_and_stored(workspace):
    first = intake.submit(workspace, complete(intake.new_draft(workspace), subject(surname="Draxwick"),
                                              received_at="2026-03-01T10:00"))
    doc = complete(intake.new_draft(workspace), subject(surname="Draxwik"), received_at="2026-06-01T10:00")
    intake.save_draft(workspace, doc, "subjects")
    sid = doc["subjects"][0]["id"]
    [cand] = intake.find_matches(workspace, doc, sid)
    assert cand.person_id == first["subjects"][0]["id"]
    assert intake.link_person(workspace, doc, sid, cand.person_id) == 1
    assert doc["links"] == {"matched_person_ids": [cand.person_id], "re_referrals_12m": 1}
    assert intake.find_matches(workspace, doc, sid) == []  # already linked: not offered again
    done = intake.submit(workspace, doc)
    assert done["links"]["re_referrals_12m"] == 1
    with workspace.session() as s:
        assert s.execute(select(Referral.re_referrals_12m).where(Referral.id == doc["id"])).scalar_one() == 1
        assert s.execute(select(Person.id)).scalars().all() == [cand.person_id]  # no duplicate person
    other = complete(intake.new_draft(workspace), subject(surname="Draxwick"))
    intake.save_draft(workspace, other, "subjects")
    intake.reject_match(workspace, other, other["subjects"][0]["id"], cand.person_id)
    assert intake.find_matches(workspace, other, other["subjects"][0]["id"]) == []
    links = _actions(workspace, "person.link") + _actions(workspace, "person.match_rejected")
    assert [json.loads(e.detail)["person_id"] for e in links] == [cand.person_id, cand.person_id]


def test_role_checks(workspace):
    workspace.user = None
    with pytest.raises(PermissionDenied):
        intake.new_draft(workspace)
    with pytest.raises(PermissionDenied):
        intake.list_drafts(workspace)


def test_bad_documents_are_refused_by_field(workspace):
    doc = intake.new_draft(workspace)
    with pytest.raises(InputError, match=r"\$\.id"):
        intake.save_draft(workspace, dict(doc, id="not-a-uuid"), "x")
    with pytest.raises(InputError, match=r"\$\.status"):
        intake.save_draft(workspace, dict(doc, status="lost"), "x")
    with pytest.raises(InputError, match="variant"):
        intake.new_draft(workspace, "martian")


def test_submit_stores_the_engines_rag_for_urgent_and_level_three_referrals(workspace):
    urgent = complete(intake.new_draft(workspace), subject(), received_at="2026-11-18T10:00")
    urgent["contact"]["urgent"] = True
    level3 = complete(intake.new_draft(workspace), subject(surname="Tamwick"), received_at="2026-11-18T10:00")
    level3["concerns"]["indicators"] = ["parenting.parental_mental_health"]
    for doc in (urgent, level3):
        intake.submit(workspace, doc)
    with workspace.session() as s:
        red, amber = s.get(Referral, urgent["id"]), s.get(Referral, level3["id"])
    assert (red.rag, red.suggested_level) == ("red", 1)  # urgent is red whatever the level
    assert (amber.rag, amber.suggested_level) == ("amber", 3)
    assert red.decision_due == amber.decision_due == datetime(2026, 11, 19, 10, 0)
