"""Feedback for every action and words for every state (issue 10 points 5 and 6). Synthetic people only."""

from __future__ import annotations

from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import decisions, intake
from triage_desk.forms.threshold import evaluate
from triage_desk.ui.operations import settle


def test_after_submit_the_new_case_opens_in_the_cases_area(qtbot, workspace):
    # found: after Submit the new case was not opened
    from triage_desk.ui import referral_wizard
    from triage_desk.ui.cases_area import CasesArea

    act_as(workspace, "officer")
    area = CasesArea(workspace)
    qtbot.addWidget(area)
    doc = complete(intake.new_draft(workspace), subject(surname="Openwell"))
    intake.save_draft(workspace, doc, "review")
    got = []
    referral_wizard.resume(workspace, doc["id"], opened=got.append)
    settle()
    wizard, = got
    qtbot.addWidget(wizard)
    area.watch_wizard(wizard)
    wizard.submit()
    qtbot.waitUntil(lambda: wizard.is_submitted)
    settle()
    reference = wizard.doc["reference"]
    qtbot.waitUntil(lambda: area.tabs.count() == 2)
    assert area.tabs.tabText(area.tabs.currentIndex()) == reference
    assert "open in the Cases area" in wizard.status.text()
    wizard.close()


def _case_view(qtbot, ws, reference):
    from triage_desk.ui.case_view import CaseView

    view = CaseView(ws, intake.open_case(ws, reference))
    qtbot.addWidget(view)
    settle()
    return view


def test_status_words_say_exactly_where_a_case_is(qtbot, workspace):
    # found: after an officer decided an override the header said "Decision made" while approval waited;
    # "Urgent" unticked showed "—"
    act_as(workspace, "officer")
    draft = complete(intake.new_draft(workspace), subject(surname="Statuswell"), received_at="2026-11-20T10:00")
    draft["concerns"]["indicators"] = ["parenting.inconsistent_routines"]
    draft["contact"].pop("urgent", None)
    draft["contact"]["channel"] = "phone"
    doc = intake.submit(workspace, draft)
    view = _case_view(qtbot, workspace, doc["reference"])
    assert view.fields["status"].text() == "Submitted — awaiting a threshold decision"
    assert view.fields["rag"].text().endswith("(suggested)") and view.fields["level"].text().endswith("(suggested)")
    assert view.fields["confirmation"].text().startswith("Outstanding — due ")  # from submission
    lines = view.document_view.toPlainText().splitlines()
    assert lines[lines.index("Urgent") + 1] == "No"
    decisions.decide(workspace, doc["id"], evaluate(doc), decisions.Proposal(
        3, ("S17",), rationale="Two further incidents reported by the school nurse."))
    view.refresh_header()
    settle()
    assert view.fields["status"].text() == "Decided — override awaiting practice-lead approval"
    assert "practice-lead approval awaited" in view.fields["due"].text()
    assert not view.fields["rag"].text().endswith("(suggested)")
