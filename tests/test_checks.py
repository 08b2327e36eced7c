"""Agency checks: refusals (unsigned agreement, no consent), working-time due times, responses, the
case-list copies on the referral row, sharing decisions with the seven golden rules, and the audit trail."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from checks_helpers import act_as, referral
from sqlalchemy import select

from triage_desk import checks, partners, referral_io, sharing
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import AuditEvent, Referral
from triage_desk.models.partner import Partner

MONDAY_10 = datetime(2026, 11, 23, 10, 0)
ALL_RULES = {rid: True for rid in sharing.rule_ids()}


def _row(ws, referral_id) -> Referral:
    with ws.session() as s:
        return s.get(Referral, referral_id)


def _actions(ws) -> list[str]:
    with ws.session() as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_directory_is_seeded_once_with_agreement_statuses(workspace):
    directory = {p.id: p for p in partners.list_partners(workspace)}
    assert {"police", "health-gp-icb", "education", "housing", "probation", "domestic-abuse", "drug-alcohol",
            "fire", "ambulance", "voluntary-sector"} <= set(directory)
    assert directory["police"].isa_status == "signed" and directory["police"].isa_date is not None
    assert directory["voluntary-sector"].isa_status == "no_contact"
    assert partners.ensure_partners(workspace) == 0  # not seeded twice
    assert len(sharing.golden_rules()) == 7


def test_request_with_consent_sets_due_and_case_list_columns(workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    made = checks.request_checks(workspace, doc["id"], ["police", "housing"], now=MONDAY_10)
    due = {c.partner_id: c.due_at for c in made}
    assert due["police"] == datetime(2026, 11, 23, 14, 0)  # 4 working hours
    assert due["housing"] == datetime(2026, 11, 25, 10, 0)  # 16 working hours: two working days
    row = _row(workspace, doc["id"])
    assert row.checks_open == 2 and row.checks_due == datetime(2026, 11, 23, 14, 0)
    assert [c["partner_id"] for c in checks.outstanding(workspace, doc["id"])] == ["police", "housing"]
    assert [c["partner_id"] for c in checks.overdue(workspace, now=datetime(2026, 11, 23, 15, 0))] == ["police"]
    assert checks.time_left(due["police"], now=datetime(2026, 11, 23, 15, 0)).startswith("OVERDUE by 1 h")
    assert _actions(workspace).count("check.request") == 2


def test_unsigned_partner_is_refused_and_nothing_is_saved(workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    with pytest.raises(InputError) as err:
        checks.request_checks(workspace, doc["id"], ["police", "fire", "voluntary-sector"], now=MONDAY_10)
    msg = str(err.value)
    assert "Fire and rescue service: no signed information-sharing agreement (in discussion)" in msg
    assert "Voluntary and community sector: no signed information-sharing agreement (no contact)" in msg
    assert checks.outstanding(workspace, doc["id"]) == []  # police not requested either: all or nothing
    assert _row(workspace, doc["id"]).checks_open == 0


@pytest.mark.parametrize("state", [None, "refused", "withdrawn", "not_sought"])
def test_no_consent_to_checks_needs_a_lead_decision(workspace, state):
    doc = referral(workspace, checks_consent=state)
    act_as(workspace, "officer")
    with pytest.raises(InputError, match="practice lead's recorded decision"):
        checks.request_checks(workspace, doc["id"], ["police"], now=MONDAY_10)
    with pytest.raises(PermissionDenied):  # an officer cannot make the lead's decision
        checks.request_checks(workspace, doc["id"], ["police"], basis="lead_decision",
                              basis_note="Risk of harm if the family is alerted.", now=MONDAY_10)
    act_as(workspace, "lead")
    with pytest.raises(InputError, match="basis_note"):
        checks.request_checks(workspace, doc["id"], ["police"], basis="lead_decision", now=MONDAY_10)
    made = checks.request_checks(workspace, doc["id"], ["police"], basis="lead_decision",
                                 basis_note="Risk of harm if the family is alerted.", now=MONDAY_10)
    listed = checks.list_checks(workspace, doc["id"])
    assert listed[0]["basis"] == "lead_decision" and listed[0]["requested_by"] == "lead"
    assert listed[0]["basis_note"] == "Risk of harm if the family is alerted." and made[0].id == listed[0]["id"]


def test_consent_given_then_withdrawn_stops_new_checks():
    later = {"consent": {"records": [
        {"person_id": "p1", "scope": "checks", "state": "given"},
        {"person_id": "p1", "scope": "checks", "state": "withdrawn"}]}}
    assert checks.checks_consent(later) == "withdrawn"
    assert checks.checks_consent({"consent": {"records": [
        {"person_id": "p1", "scope": "referral", "state": "given"}]}}) == "unknown"


@pytest.mark.parametrize("requested, due", [
    (datetime(2026, 11, 27, 15, 0), datetime(2026, 11, 30, 11, 0)),  # Friday 15:00 + 4 h -> Monday 11:00
    (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 30, 13, 0)),  # Saturday: clock starts Monday 09:00
    (datetime(2026, 12, 24, 14, 0), datetime(2026, 12, 29, 10, 0)),  # Christmas Eve: 25th, weekend, 28th
    (datetime(2026, 12, 31, 16, 0), datetime(2027, 1, 4, 12, 0)),  # New Year's Day then a weekend
])
def test_due_time_counts_working_hours_only(requested, due):
    police = Partner(id="police", name="Police", kind="police", isa_status="signed", check_due_hours=4)
    assert checks.due_at(police, requested) == due


def test_due_time_uses_the_partners_configured_hours(workspace):
    partners.save_partner(workspace, "police", check_due_hours=8)
    doc = referral(workspace)
    act_as(workspace, "officer")
    made = checks.request_checks(workspace, doc["id"], ["police"], now=datetime(2026, 12, 24, 14, 0))
    assert made[0].due_at == datetime(2026, 12, 29, 14, 0)


def test_responses_nothing_known_is_an_answer_and_summary_otherwise_required(workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    police, housing = checks.request_checks(workspace, doc["id"], ["police", "housing"], now=MONDAY_10)
    with pytest.raises(InputError, match="summary"):
        checks.record_response(workspace, police.id, nothing_known=False, summary="  ")
    checks.record_response(workspace, police.id, nothing_known=True, now=datetime(2026, 11, 23, 11, 0))
    row = _row(workspace, doc["id"])
    assert row.checks_open == 1 and row.checks_due == housing.due_at
    checks.record_response(workspace, housing.id, nothing_known=False, summary="Tenancy warning issued in 2025.")
    row = _row(workspace, doc["id"])
    assert row.checks_open == 0 and row.checks_due is None
    with pytest.raises(InputError, match="already answered"):
        checks.record_response(workspace, housing.id, nothing_known=True)
    section = checks.as_document(workspace, doc["id"])
    by_partner = {c["partner_id"]: c for c in section["checks"]}
    assert by_partner["police"]["nothing_known"] is True and by_partner["police"]["status"] == "answered"
    assert by_partner["police"]["response_at"] == "2026-11-23T11:00"
    assert by_partner["housing"]["summary"] == "Tenancy warning issued in 2025."
    assert set(by_partner["police"]) == {"id", "partner_id", "partner_name", "basis", "requested_by",
                                         "requested_at", "due_at", "status", "response_at", "nothing_known",
                                         "summary"}
    events = _actions(workspace)
    assert events.count("check.respond") == 2


def test_cancel_and_duplicate_requests(workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    (police,) = checks.request_checks(workspace, doc["id"], ["police"], now=MONDAY_10)
    with pytest.raises(InputError, match="already awaiting an answer from Police"):
        checks.request_checks(workspace, doc["id"], ["police"], now=MONDAY_10)
    checks.cancel_check(workspace, police.id, "Requested in error")
    assert _row(workspace, doc["id"]).checks_open == 0
    assert "check.cancel" in _actions(workspace)


def test_sharing_decision_needs_all_seven_rules_and_a_reason_either_way(workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    partial = dict(ALL_RULES)
    partial.pop("keep_record")
    with pytest.raises(InputError, match="consider every rule.*keep_record"):
        sharing.record_sharing_decision(workspace, doc["id"], "police", True, "Risk to the child from the "
                                       "adult at the address.", partial, "public_task")
    with pytest.raises(InputError, match="reason"):
        sharing.record_sharing_decision(workspace, doc["id"], "police", False, "", ALL_RULES, None)
    with pytest.raises(InputError, match="lawful_basis: required"):
        sharing.record_sharing_decision(workspace, doc["id"], "police", True, "Risk to the child from the "
                                       "adult at the address.", ALL_RULES, None)
    rules = dict(ALL_RULES, consent=False)
    sharing.record_sharing_decision(workspace, doc["id"], "police", False,
                                   "Not necessary: the police already hold the information.", rules, None,
                                   now=MONDAY_10)
    sharing.record_sharing_decision(workspace, doc["id"], "health-gp-icb", True,
                                   "GP needs to know of the injury to arrange follow-up.", ALL_RULES,
                                   "public_task", now=MONDAY_10)
    decisions = checks.as_document(workspace, doc["id"])["sharing_decisions"]
    assert [(d["partner_id"], d["shared"]) for d in decisions] == [("police", False), ("health-gp-icb", True)]
    assert decisions[0]["golden_rules"]["consent"] is False and len(decisions[0]["golden_rules"]) == 7
    assert decisions[0]["decided_by"] == "officer" and decisions[0]["decided_at"] == "2026-11-23T10:00"
    assert _actions(workspace).count("sharing.decide") == 2


def test_partner_directory_is_admin_only_and_audited_with_before_and_after(workspace):
    act_as(workspace, "officer")
    with pytest.raises(PermissionDenied):
        partners.set_isa_status(workspace, "fire", "signed", "2026-11-01")
    act_as(workspace, "admin")
    with pytest.raises(InputError, match="isa_date"):
        partners.set_isa_status(workspace, "fire", "signed")
    partners.set_isa_status(workspace, "fire", "signed", "2026-11-01")
    partners.save_partner(workspace, "school-nursing-east", name="School nursing (East)", kind="health",
                        isa_status="in_discussion", check_due_hours=12, contact_route="Secure email")
    with pytest.raises(InputError, match="check_due_hours"):
        partners.save_partner(workspace, "police", check_due_hours=0)
    with workspace.session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "partner.change")).scalar_one()
        detail = json.loads(event.detail)
    assert detail["before"]["isa_status"] == "in_discussion" and detail["after"]["isa_status"] == "signed"
    assert detail["after"]["isa_date"] == "2026-11-01"
    assert "partner.add" in _actions(workspace)
    doc = referral(workspace)
    act_as(workspace, "officer")
    made = checks.request_checks(workspace, doc["id"], ["fire"], now=MONDAY_10)  # signed now
    assert made[0].due_at == datetime(2026, 11, 26, 10, 0)  # 24 working hours = three working days


def test_export_import_round_trip_carries_checks(workspace, tmp_path):
    """A document holding checks and sharing decisions survives export and import unchanged."""
    doc = referral(workspace)
    act_as(workspace, "officer")
    (police,) = checks.request_checks(workspace, doc["id"], ["police"], now=MONDAY_10)
    checks.record_response(workspace, police.id, nothing_known=True, now=datetime(2026, 11, 23, 11, 0))
    sharing.record_sharing_decision(workspace, doc["id"], "police", False, "Nothing to share at this stage.",
                                   ALL_RULES, None, now=MONDAY_10)
    full = json.loads(referral_io.export_text(workspace, doc["reference"])) | checks.as_document(workspace, doc["id"])
    full["id"], full["reference"] = "00000000-0000-4000-8000-0000000000a7", "TD-2026-999001"
    from triage_desk.forms.document import schema_problems

    assert schema_problems(full) == []  # the referral schema knows both lists and their shapes
    text = json.dumps(full)
    assert referral_io.import_text(workspace, text) == ("TD-2026-999001", "imported")
    again = json.loads(referral_io.export_text(workspace, "TD-2026-999001"))
    assert again["checks"] == full["checks"] and again["sharing_decisions"] == full["sharing_decisions"]


@pytest.mark.skipif(__import__("shutil").which("pdftotext") is None, reason="poppler-utils not installed")
def test_summary_pdf_shows_checks_and_sharing_decisions(workspace):
    import subprocess

    from triage_desk.reports.case_summary import summary_for

    doc = referral(workspace)
    act_as(workspace, "officer")
    long_ago = datetime(2026, 11, 2, 10, 0)  # housing's answer was due 4 November: overdue whenever this runs
    police, _ = checks.request_checks(workspace, doc["id"], ["police", "housing"], now=long_ago)
    checks.record_response(workspace, police.id, nothing_known=True, now=datetime(2026, 11, 2, 11, 0))
    sharing.record_sharing_decision(workspace, doc["id"], "police", False, "Police already hold the information.",
                                   ALL_RULES, None, now=MONDAY_10)
    pdf = summary_for(workspace, doc["reference"])
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
                    .stdout.decode("utf-8").split())
    assert "Agency checks" in text and "Police (MASH desk)" in text and "nothing known" in text
    assert "Housing" in text and "OVERDUE" in text
    assert "Sharing with" in text and "not shared" in text and "7 of 7 answered yes" in text
