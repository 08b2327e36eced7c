"""The referral wizard, driven by keyboard only (QTest key presses; no mouse, no widget setters)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)
from ui_helpers import audit_actions, on_next_modal, user
from wizard_keys import ALT, CTRL, focused, press, tab_through, tab_to, type_value

from triage_desk import intake
from triage_desk.forms.clock import london_now
from triage_desk.models import Referral
from triage_desk.ui.operations import settle


@pytest.fixture
def officer_ws(workspace):
    workspace.user = user(workspace, "officer")
    return workspace


def opened(start) -> object:
    """The wizard an entry point opens once its draft is read or made off the GUI thread (None if none)."""
    got = []
    start(got.append)
    settle()
    return got[0] if got else None


def open_wizard(qtbot, ws, referral_id: str | None = None):
    from triage_desk.ui import referral_wizard

    wizard = opened(lambda then: referral_wizard.resume(ws, referral_id, opened=then) if referral_id
                    else referral_wizard.start_new_referral(ws, opened=then))
    qtbot.addWidget(wizard)
    with qtbot.waitActive(wizard):
        pass
    qtbot.waitUntil(lambda: focused() is not None)
    return wizard


def next_step(qtbot, wizard) -> None:
    before = wizard.current
    press(qtbot, Qt.Key.Key_N, ALT)  # the button's mnemonic (animated click)
    try:
        qtbot.waitUntil(lambda: wizard.current == before + 1 or wizard.message.isVisible())
    except Exception:
        pass
    assert wizard.current == before + 1, (wizard.step_key(), wizard.message.text(), focused())


def back_step(qtbot, wizard) -> None:
    before = wizard.current
    press(qtbot, Qt.Key.Key_B, ALT)
    qtbot.waitUntil(lambda: wizard.current == before - 1)


def stored(ws, referral_id: str) -> dict:
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        return {"status": row.status, "step": row.wizard_step, "doc": json.loads(row.document)}


def add_consent_by_keyboard(qtbot, answers: dict[str, str]) -> dict:
    seen = {}

    def fill(dialog):
        try:
            qtbot.waitUntil(lambda: focused() is not None and dialog.isAncestorOf(focused()))
            tab_through(qtbot, answers, stop="Add record")
            press(qtbot, Qt.Key.Key_Space)
            seen["error"] = dialog.error.text() if dialog.isVisible() else ""
            if dialog.isVisible():
                press(qtbot, Qt.Key.Key_Escape)
        except BaseException as exc:  # noqa: BLE001 - reported after the modal loop ends
            seen["exc"] = exc
            dialog.reject()

    on_next_modal(fill, qtbot)
    press(qtbot, Qt.Key.Key_Space)  # on "Add consent record"
    if "exc" in seen:
        raise seen["exc"]
    qtbot.waitUntil(lambda: focused() is not None)
    return seen


SUBJECT = {"Surname": "Quorvale", "Forenames": "Testina", "Date of birth": "05/04/2016", "Gender": "Female",
           "Ethnicity (CIN census code): not known": "x", "First language": "English", "Interpreter needed": "No",
           "Disability": "No", "NHS number: not known": "x", "Address line 1": "1 Example Road",
           "Postcode": "ZX1 2AB", "Where the subject is now": "At school", "GP practice: not known": "x",
           "School, college or nursery": "Testford Primary", "Privately fostered": "No"}


def test_keyboard_only_from_new_referral_to_submitted_reference(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    keys = [s.key for s in wizard.steps]
    assert keys[:8] == ["contact", "referrer", "consent", "subjects", "household", "agencies", "concerns", "voice"]
    assert "adult" not in keys and "s42" not in keys and keys[-1] == "review"  # child referral
    assert focused().accessibleName() == "Received at"
    tab_through(qtbot, {"How it was received": "Email", "Referral source (DfE code)": "Schools"})
    next_step(qtbot, wizard)
    tab_through(qtbot, {"Referrer name": "Refer Testperson", "Role or job title": "Teacher",
                        "Agency or organisation": "Testford School", "Phone": "0100 000000",
                        "Relationship to the subject": "Professional",
                        "Designated safeguarding lead consulted": "Yes", "Name of the safeguarding lead": "Dee Slead"})
    next_step(qtbot, wizard)  # consent is recorded once the people are entered
    next_step(qtbot, wizard)
    tab_to(qtbot, "Add subject")
    press(qtbot, Qt.Key.Key_Space)
    assert focused().accessibleName() == "Child or unborn child"
    tab_through(qtbot, SUBJECT)
    next_step(qtbot, wizard)
    tab_to(qtbot, "Add person")
    press(qtbot, Qt.Key.Key_Space)
    tab_through(qtbot, {"Name": "Mum Testperson", "Date of birth": "01/02/1990", "Gender": "Female",
                        "Relationship to the subject": "Mother", "Holds parental responsibility": "Yes",
                        "Lives with the subject": "Yes"})
    back_step(qtbot, wizard)
    back_step(qtbot, wizard)
    assert wizard.step_key() == "consent"
    tab_through(qtbot, {"Mum Testperson (mother): told about the referral": "Yes"}, stop="Add consent record")
    outcome = add_consent_by_keyboard(qtbot, {
        "Whose consent": "Testina", "Scope": "The referral", "Consent state": "Given",
        "Was this person told about the referral": "Yes", "Name of the person who gave or refused it": "Mum Testperson",
        "Their standing": "Person with parental", "Verbal or written": "Verbal"})
    assert outcome["error"] == ""
    tab_through(qtbot, {"Child consulted about the referral": "Yes", "Lawful basis for sharing": "Public task"})
    for _ in range(4):
        next_step(qtbot, wizard)
    assert wizard.step_key() == "concerns"
    tab_through(qtbot, {"The concern": "Synthetic worry for a test.",
                        "What the referrer saw or heard directly: not known": "x",
                        "What the referrer was told, and by whom: not known": "x",
                        "What the referrer has already done: not known": "x",
                        "Subject's current whereabouts": "At school",
                        "Believed to be suffering or likely to suffer significant harm": "No"})
    next_step(qtbot, wizard)
    tab_through(qtbot, {"The child's views, wishes and feelings: not known": "x",
                        "The parents' or carers' views: not known": "x"})
    while wizard.step_key() != "review":
        next_step(qtbot, wizard)
    assert wizard.all_problems() == []
    press(qtbot, Qt.Key.Key_Return, CTRL)

    qtbot.waitUntil(lambda: wizard.is_submitted)
    reference = wizard.doc["reference"]
    assert reference in wizard.review.result.text()
    assert "No earlier referral" in wizard.review.result.text()
    # found (issue 10 point 6): the blocker list still said "Nothing: the referral can be submitted"
    listed = [wizard.blocking.item(n).text() for n in range(wizard.blocking.count())]
    assert not any("can be submitted" in line for line in listed) and f"Submitted as {reference}" in listed[0]
    row = stored(officer_ws, wizard.doc["id"])
    assert row["status"] in ("submitted", "decided")  # the routing step may record the decision on submit
    doc = row["doc"]
    assert doc["contact"]["channel"] == "email" and doc["contact"]["referral_source"] == "2A"
    assert doc["subjects"][0]["dob"] == "2016-04-05" and doc["subjects"][0]["nhs_number"] == "not_known"
    assert doc["household"][0]["parental_responsibility"] == "yes"
    record = doc["consent"]["records"][0]
    assert (record["state"], record["scope"], record["recorded_by"], record["informed"]) == (
        "given", "referral", "officer", True)
    assert record["person_id"] == doc["subjects"][0]["id"]
    assert doc["consent"]["informed"] == {doc["household"][0]["id"]: {"informed": "yes"}}
    wizard.close()


def test_autosave_on_page_change_and_status_line(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    next_step(qtbot, wizard)
    tab_through(qtbot, {"Referrer name": "Autosave Testperson"})
    assert wizard.status.text() == "Unsaved changes"
    next_step(qtbot, wizard)
    qtbot.waitUntil(lambda: stored(officer_ws, wizard.doc["id"])["doc"]["referrer"].get("name")
                    == "Autosave Testperson")
    assert stored(officer_ws, wizard.doc["id"])["step"] == "consent"
    qtbot.waitUntil(lambda: wizard.status.text().startswith("Draft saved"))
    wizard.close()


def test_closing_saves_and_the_draft_is_offered_after_reopening(qtbot, officer_ws):
    from triage_desk.ui import referral_wizard

    wizard = open_wizard(qtbot, officer_ws)
    next_step(qtbot, wizard)
    tab_through(qtbot, {"Referrer name": "Crash Testperson"})
    referral_id = wizard.doc["id"]
    press(qtbot, Qt.Key.Key_Escape)  # closing never loses work
    settle()  # the draft is written off the GUI thread; the window closes when it has landed
    assert not wizard.isVisible()
    assert stored(officer_ws, referral_id)["doc"]["referrer"]["name"] == "Crash Testperson"

    def choose_first(dialog):
        qtbot.waitUntil(lambda: focused() is not None and dialog.isAncestorOf(focused()))
        press(qtbot, Qt.Key.Key_Return)

    on_next_modal(choose_first, qtbot)
    resumed = opened(lambda then: referral_wizard.offer_drafts(officer_ws, opened=then))
    qtbot.addWidget(resumed)
    assert resumed.doc["id"] == referral_id and resumed.step_key() == "referrer"
    assert resumed.steps[1].page.group.editors["name"].edit.text() == "Crash Testperson"
    assert ("officer", "referral.draft_open") in audit_actions(officer_ws)
    resumed.close()
    officer_ws.user = user(officer_ws, "lead")
    empty = []
    referral_wizard.offer_drafts(officer_ws, empty=lambda: empty.append(True))
    settle()
    assert empty == [True]  # only the user's own drafts are offered


def test_consent_invalid_combination_is_refused_with_a_message(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    for _ in range(3):
        next_step(qtbot, wizard)
    tab_to(qtbot, "Add subject")
    press(qtbot, Qt.Key.Key_Space)
    tab_through(qtbot, {"Surname": "Quorvale", "Forenames": "Testina"})
    back_step(qtbot, wizard)
    tab_to(qtbot, "Add consent record")
    outcome = add_consent_by_keyboard(qtbot, {"Whose consent": "Testina", "Scope": "Multi", "Consent state": "Not",
                                              "Was this person told about the referral": "No"})
    assert "cannot be added" in outcome["error"] and "Reason consent was not sought" in outcome["error"]
    tab_to(qtbot, "Add consent record")
    outcome = add_consent_by_keyboard(qtbot, {"Whose consent": "Testina", "Scope": "The referral",
                                              "Consent state": "Given",
                                              "Was this person told about the referral": "Yes",
                                              "Name of the person who gave or refused it": "Testina Quorvale",
                                              "Their standing": "Child aged", "Their age (years)": "9",
                                              "Competence assessed": "Yes", "Verbal or written": "Verbal"})
    assert "a child under 12 cannot consent alone" in outcome["error"]
    assert wizard.doc["consent"]["records"] == []
    wizard.close()


def test_household_add_edit_remove_by_keyboard(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    for _ in range(4):
        next_step(qtbot, wizard)
    assert wizard.step_key() == "household"
    for name in ("Aunt Example", "Grand Example"):
        qtbot.wait(QApplication.keyboardInputInterval() + 50)  # a new type-ahead search in the same combo box
        tab_to(qtbot, "Add person")
        press(qtbot, Qt.Key.Key_Space)
        tab_through(qtbot, {"Name": name, "Relationship to the subject": "Aunt"})
    page = wizard.step().page
    assert [p["name"] for p in wizard.doc["household"]] == ["Aunt Example", "Grand Example"]
    tab_to(qtbot, "Household and significant others")
    press(qtbot, Qt.Key.Key_Up)  # choose the first person
    press(qtbot, Qt.Key.Key_E, ALT)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Name")
    type_value(qtbot, focused(), "Aunt Renamed")
    assert page.items.item(0).text() == "Aunt Renamed - Aunt"
    tab_to(qtbot, "Household and significant others")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_R, ALT)
    qtbot.waitUntil(lambda: len(wizard.doc["household"]) == 1)
    assert [p["name"] for p in wizard.doc["household"]] == ["Aunt Renamed"]
    next_step(qtbot, wizard)
    qtbot.waitUntil(lambda: [p["name"] for p in stored(officer_ws, wizard.doc["id"])["doc"]["household"]]
                    == ["Aunt Renamed"])
    wizard.close()


def test_match_panel_shows_a_known_person_and_link_is_audited(qtbot, officer_ws):
    from intake_helpers import complete, subject

    earlier = intake.new_draft(officer_ws)
    two_months_ago = (london_now() - timedelta(days=60)).strftime("%Y-%m-%dT09:00")  # within 12 months, any day
    complete(earlier, subject("Quorvale", "Testina", "2016-04-05"), received_at=two_months_ago)
    intake.submit(officer_ws, earlier)

    wizard = open_wizard(qtbot, officer_ws)
    for _ in range(3):
        next_step(qtbot, wizard)
    tab_to(qtbot, "Add subject")
    press(qtbot, Qt.Key.Key_Space)
    tab_through(qtbot, {"Surname": "Quorvale", "Forenames": "Testina", "Date of birth": "05/04/2016"},
                stop="Possible existing people")
    panel = wizard.step().page.match_panel
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    text = panel.list.item(0).text()
    assert "QUORVALE, Testina" in text and "same date of birth" in text
    assert earlier["reference"] in text and "1 referral in the last 12 months" in text
    tab_to(qtbot, "Link: this is the same person")
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: ("officer", "person.link") in audit_actions(officer_ws))
    settle()  # the link is made off the GUI thread; the wizard's copy follows on it
    assert not panel.link_button.isEnabled()  # the linked person is off the list
    assert wizard.doc["links"]["re_referrals_12m"] == 1
    assert panel.flag.isVisible() and "RE-REFERRAL: 1 referral" in panel.flag.text()
    assert stored(officer_ws, wizard.doc["id"])["doc"]["links"]["re_referrals_12m"] == 1
    wizard.close()


def test_every_input_has_an_accessible_name(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    kinds = (QLineEdit, QComboBox, QPlainTextEdit, QCheckBox, QListWidget, QAbstractButton)
    for n in range(len(wizard.steps)):
        wizard.go_to(n)
        page = wizard.step().page
        if hasattr(page, "add_item"):
            page.add_item()
        unnamed = [f"{type(w).__name__} on {wizard.step_key()}" for w in wizard.findChildren(QWidget)
                   if isinstance(w, kinds) and not w.accessibleName() and w.parent() is not None
                   and w.focusPolicy() != Qt.FocusPolicy.NoFocus
                   and not isinstance(w.parent(), (QComboBox, QAbstractSpinBox))]  # inner parts named by parent
        assert unnamed == []
    wizard.close()




def _with_subject_and_consent(ws) -> str:
    from intake_helpers import subject

    doc = intake.new_draft(ws)
    child = subject("Quorvale", "Testina", "2016-04-05")
    doc["subjects"] = [child]
    doc["consent"] = {"records": [{"id": "rec-1", "person_id": child["id"], "scope": "checks", "state": "given",
                                   "informed": True, "by": {"name": "Mum Testperson",
                                                            "standing": "parental_responsibility"},
                                   "form": "written", "date": "2026-01-05", "recorded_by": "officer"}]}
    intake.save_draft(ws, doc, "consent")
    return doc["id"]


def test_withdrawing_consent_adds_a_record_and_keeps_the_history(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws, _with_subject_and_consent(officer_ws))
    assert wizard.step_key() == "consent"  # resumed where the draft was left
    tab_to(qtbot, "Consent records")
    press(qtbot, Qt.Key.Key_Down)  # choose the record of consent that was given
    press(qtbot, Qt.Key.Key_Home)
    tab_to(qtbot, "Withdraw the chosen consent")
    outcome = add_consent_by_keyboard(qtbot, {"Verbal or written": "Verbal"})
    assert outcome["error"] == ""
    records = wizard.doc["consent"]["records"]
    assert [r["state"] for r in records] == ["given", "withdrawn"]
    assert records[1]["supersedes"] == "rec-1" and records[1]["recorded_by"] == "officer"
    page = wizard.step().page
    assert page.records.count() == 2 and "Withdrawn" in page.records.item(1).text()
    assert "Given" in page.records.item(0).text()  # history stays visible
    tab_to(qtbot, "Add item to withhold")
    press(qtbot, Qt.Key.Key_Space)
    tab_through(qtbot, {"Information to withhold from the family": "The new address",
                        "Why it must be withheld": "It would put the child at risk"})
    wizard.close()
    settle()
    saved = stored(officer_ws, wizard.doc["id"])["doc"]["consent"]
    assert [r["state"] for r in saved["records"]] == ["given", "withdrawn"]
    assert saved["withhold"] == [{"what": "The new address", "why": "It would put the child at risk"}]


def test_autosave_every_30_seconds_while_there_are_unsaved_changes(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    now = [0.0]
    wizard.flow.clock = lambda: now[0]
    wizard.flow.last_saved = 0.0
    tab_through(qtbot, {"How it was received": "Phone"})
    assert wizard.status.text() == "Unsaved changes"
    wizard.autosave_timer.timeout.emit()  # a timer tick before 30 s: nothing is written
    assert stored(officer_ws, wizard.doc["id"])["doc"]["contact"].get("channel") is None
    now[0] = 31.0
    wizard.autosave_timer.timeout.emit()
    qtbot.waitUntil(lambda: stored(officer_ws, wizard.doc["id"])["doc"]["contact"].get("channel") == "phone")
    assert stored(officer_ws, wizard.doc["id"])["doc"]["contact"].get("confirmation_due")  # computed, saved too
    type_value(qtbot, tab_to(qtbot, "Referral source (DfE code)"), "Schools")
    press(qtbot, Qt.Key.Key_S, CTRL)  # save now
    qtbot.waitUntil(lambda: stored(officer_ws, wizard.doc["id"])["doc"]["contact"].get("referral_source") == "2A")
    qtbot.waitUntil(lambda: wizard.status.text().startswith("Draft saved"))
    wizard.close()


def test_adult_referral_shows_section_i_and_adult_wording(qtbot, officer_ws):
    from triage_desk.ui import referral_wizard

    wizard = opened(lambda then: referral_wizard.start_new_referral(officer_ws, variant="adult", opened=then))
    qtbot.addWidget(wizard)
    keys = [s.key for s in wizard.steps]
    assert "adult" in keys and keys.index("adult") < keys.index("review")
    assert "consent" in keys
    voice = wizard.steps[keys.index("voice")].page
    assert voice.group.editors["subject_views"].label_text == "The adult's views, wishes and feelings"
    wizard.go_to(keys.index("subjects"))
    wizard.step().page.add_item()
    assert wizard.doc["subjects"][0]["kind"] == "adult"
    wizard.close()


def test_enter_on_a_blocking_line_goes_to_the_field(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    tab_to(qtbot, "What blocks submission")
    while "Referrer name" not in wizard.blocking.currentItem().text():
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.step_key() == "referrer")
    assert focused().accessibleName() == "Referrer name"
    assert wizard.step().page.group.errors["name"].text() == "Referrer name: is required"
    wizard.close()


def test_a_wrong_value_stops_next_with_a_message_naming_the_field(qtbot, officer_ws):
    wizard = open_wizard(qtbot, officer_ws)
    for _ in range(3):
        next_step(qtbot, wizard)
    tab_to(qtbot, "Add subject")
    press(qtbot, Qt.Key.Key_Space)
    tab_through(qtbot, {"Date of birth": "05/04/2016", "NHS number": "1234567890"}, stop="Postcode")
    editors = wizard.step().page.group.editors
    assert editors["dob"].read_back.text() == "Tue 5 April 2016"  # read back in words: never 4 May
    before = wizard.current
    press(qtbot, Qt.Key.Key_N, ALT)
    qtbot.waitUntil(lambda: wizard.message.isVisible())
    assert wizard.current == before
    assert "NHS number:" in wizard.message.text() and "subjects[0]" not in wizard.message.text()
    assert focused() is editors["nhs_number"].edit  # the cursor is put on the wrong value
    error = wizard.step().page.group.errors["nhs_number"].text()
    assert "NHS number:" in error and "subjects[0]" not in error
    wizard.close()


def test_locking_the_screen_hides_the_wizard_and_keeps_the_draft(qtbot, officer_ws):
    from triage_desk.ui import referral_wizard
    from triage_desk.ui.main_window import MainWindow

    window = MainWindow(officer_ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: getattr(window, "_drafts_offered", not hasattr(window, "cases_area")))  # none to offer
    wizard = opened(lambda then: referral_wizard.start_new_referral(officer_ws, window, opened=then))
    qtbot.waitUntil(lambda: focused() is not None and wizard.isAncestorOf(focused()))
    next_step(qtbot, wizard)
    tab_through(qtbot, {"Referrer name": "Lock Testperson"})
    window.lock("manual")
    assert not wizard.isVisible()
    settle()
    assert stored(officer_ws, wizard.doc["id"])["doc"]["referrer"]["name"] == "Lock Testperson"
