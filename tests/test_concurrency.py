"""Many hands, nothing lost (issue 15 point 4): a save made from an older version is refused with who
saved first, when and what differs; the person chooses; edit leases show who else has a referral open.

Runs on both stores (SQLCipher, and the team server tests/pg_fixtures.py starts)."""

from __future__ import annotations

import copy

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import accounts, concurrency, decisions, edit_leases, intake
from triage_desk.concurrency import Conflict
from triage_desk.forms.threshold import evaluate
from triage_desk.models import Role, utcnow

RATIONALE = "The school reports two new injuries this week; the level must be higher than suggested."


@pytest.fixture
def ws(workspace):
    ws = workspace
    with ws.session() as s:
        accounts.create_user(s, ws.user, "lead2", "Second Lead", Role.LEAD, "user-password-1")
    act_as(ws, "officer")
    return ws


def _draft(ws) -> tuple[dict, int]:
    doc = complete(intake.new_draft(ws), subject(surname="Versionby"), received_at="2026-11-20T10:00")
    return doc, intake.save_draft(ws, doc, "contact")


def test_a_draft_saved_elsewhere_is_not_overwritten_and_the_conflict_names_who_when_and_fields(ws):
    mine, version = _draft(ws)
    base = copy.deepcopy(mine)
    theirs = copy.deepcopy(mine)
    act_as(ws, "lead")  # another officer on another workstation changes the referrer's agency and saves
    theirs["referrer"]["agency"] = "Police"
    assert intake.save_draft(ws, theirs, "referrer", expected_version=version) == version + 1
    act_as(ws, "officer")
    mine["contact"]["urgent"] = True
    with pytest.raises(Conflict) as caught:
        intake.save_draft(ws, mine, "contact", expected_version=version, base=base)
    conflict = caught.value
    assert conflict.by == "Test Lead" and conflict.at is not None and conflict.version == version + 1
    assert [(d.label, d.theirs, d.mine, d.they_changed) for d in conflict.differences] == [
        ("Contact — Urgent", "no", "yes", False), ("Referrer — Agency or organisation", "Police", "School", True)]
    assert all("." not in d.label and "[" not in d.label for d in conflict.differences)  # words, not paths
    assert "Test Lead" in str(conflict) and "Police" not in str(conflict)  # no values in the message
    assert intake.resume_draft(ws, mine["id"])[0]["referrer"]["agency"] == "Police"  # theirs still stands


def test_choosing_overwrite_or_merge_saves_against_the_newer_version(ws):
    mine, version = _draft(ws)
    base, theirs = copy.deepcopy(mine), copy.deepcopy(mine)
    theirs["referrer"]["agency"] = "Police"
    newer = intake.save_draft(ws, theirs, "referrer", expected_version=version)
    mine["contact"]["urgent"] = True
    try:
        intake.save_draft(ws, mine, expected_version=version, base=base)
    except Conflict as exc:
        take = {d.path for d in exc.differences if d.they_changed}
        merged = concurrency.merge(exc.theirs, mine, take)
    assert merged["referrer"]["agency"] == "Police" and merged["contact"]["urgent"] is True
    assert intake.save_draft(ws, merged, expected_version=newer) == newer + 1
    saved = intake.resume_draft(ws, mine["id"])[0]
    assert saved["referrer"]["agency"] == "Police" and saved["contact"]["urgent"] is True


def test_two_officers_deciding_the_same_case_the_second_sees_the_first_decision(ws):
    doc = intake.submit(ws, complete(intake.new_draft(ws), subject(surname="Decideby"),
                                     received_at="2026-11-20T10:00"))
    version = intake.version_of(ws, doc["id"])
    engine = evaluate(doc)
    decisions.decide(ws, doc["id"], engine, decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"])),
                     expected_version=version)
    act_as(ws, "lead")
    higher = decisions.Proposal(min(engine["suggested_level"] + 1, 4), tuple(engine["outcomes"]), RATIONALE)
    with pytest.raises(Conflict) as caught:
        decisions.decide(ws, doc["id"], engine, higher, expected_version=version)
    assert caught.value.by == "Test Officer"
    assert [d.label for d in caught.value.differences] == ["Final level", "Rationale"]
    with ws.session() as s:
        assert len(decisions.history(s, doc["id"])) == 1  # nothing recorded over the first decision
    decisions.decide(ws, doc["id"], engine, higher, expected_version=caught.value.version)  # overwrite, knowingly


def test_two_leads_answering_one_approval_the_second_is_told_who_answered(ws):
    doc = intake.submit(ws, complete(intake.new_draft(ws), subject(surname="Approveby"),
                                     received_at="2026-11-20T10:00"))
    engine = evaluate(doc)
    d = decisions.decide(ws, doc["id"], engine, decisions.Proposal(min(engine["suggested_level"] + 1, 4),
                                                                   tuple(engine["outcomes"]), RATIONALE))
    act_as(ws, "lead")
    decisions.approve(ws, d.id, True)
    act_as(ws, "lead2")
    with pytest.raises(Conflict) as caught:
        decisions.approve(ws, d.id, False, "I disagree with the override.")
    assert caught.value.by == "Test Lead"
    assert [(x.label, x.theirs, x.mine) for x in caught.value.differences] == [("Approval", "approved", "rejected")]


def test_an_edit_lease_shows_who_else_is_editing_until_released_or_expired(ws, monkeypatch):
    doc, _ = _draft(ws)
    assert edit_leases.take(ws, doc["id"]) == []
    other = copy.copy(ws)  # a second workstation signed in as the lead
    other.__dict__.pop("_workstation", None)
    act_as(other, "lead")
    seen = edit_leases.take(other, doc["id"])
    assert [e.name for e in seen] == ["Test Officer"]
    assert seen[0].banner().startswith("Being edited by Test Officer since ")
    assert [e.name for e in edit_leases.editors(ws, [doc["id"]])[doc["id"]]] == ["Test Lead"]
    edit_leases.release(other, doc["id"])
    assert edit_leases.editors(ws, [doc["id"]]) == {}
    edit_leases.take(other, doc["id"])
    later = utcnow() + edit_leases.TIMEOUT + edit_leases.RENEW_EVERY
    monkeypatch.setattr(edit_leases, "utcnow", lambda: later)  # the other PC crashed and stopped renewing
    assert edit_leases.editors(ws, [doc["id"]]) == {}


def test_a_row_saved_elsewhere_between_read_and_write_is_a_conflict_not_a_lost_update(ws):
    from triage_desk.models import Referral

    doc, _ = _draft(ws)
    with pytest.raises(Conflict), ws.session() as mine:
        row = mine.get(Referral, doc["id"])
        with ws.session() as theirs:  # another workstation saves the same row meanwhile
            theirs.get(Referral, doc["id"]).subject_sort = "theirs"
        row.subject_sort = "mine"
    with ws.session() as s:
        assert s.get(Referral, doc["id"]).subject_sort == "theirs"
