"""The headless wizard: steps from the form, what blocks Next (wrong formats) vs submit (missing values), saves."""

from __future__ import annotations

from intake_helpers import complete, subject

from triage_desk import intake
from triage_desk.forms.document import new_document
from triage_desk.forms.form import load_form
from triage_desk.forms.wizard_flow import WizardFlow


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _flow(doc=None, **kw):
    saves: list[str] = []
    flow = WizardFlow(load_form(), doc or new_document("child"), saver=lambda d, step: saves.append(step), **kw)
    return flow, saves


def test_steps_are_the_visible_sections_then_the_extra_steps():
    flow, _ = _flow()
    assert [s.id for s in flow.steps] == ["contact", "referrer", "consent", "subjects", "household", "agencies",
                                          "concerns", "voice", "threshold", "dash", "routing", "review"]
    assert flow.current.title == "A. Contact" and flow.index == 0
    adult, _ = _flow(new_document("adult"))
    ids = [s.id for s in adult.steps]
    assert ids[ids.index("voice") + 1] == "adult" and "s42" in ids


def test_missing_values_do_not_block_next_but_block_submit():
    flow, saves = _flow()
    for expected in ("referrer", "consent", "subjects"):
        assert flow.next() == []
        assert flow.current.id == expected
    assert saves == ["referrer", "consent", "subjects"]  # every page change is a save point
    assert not flow.can_submit
    assert any(p.path == "referrer.name" for p in flow.submit_problems())


def test_wrong_format_blocks_next_and_names_the_field():
    flow, saves = _flow()
    flow.go("subjects")
    flow.doc["subjects"] = [dict(subject(), nhs_number="1234567890", dob="2030-01-01")]
    flow.changed()
    problems = flow.next()
    assert flow.current.id == "subjects" and len(saves) == 1
    messages = " | ".join(p.message for p in problems)
    # named by person and label, never by path (issue 10 point 2)
    assert "Testina Quorvale — NHS number:" in messages and "Testina Quorvale — date of birth:" in messages
    assert "subjects[0]" not in messages
    assert flow.go("voice") == problems  # jumping forward is refused the same way
    flow.back()
    assert flow.current.id == "consent"  # back is always allowed


def test_submit_problems_are_listed_in_page_order_and_clear_when_complete():
    doc = complete(new_document("child"), subject(), received_at="2026-11-20T10:00")
    flow, _ = _flow(doc)
    assert flow.can_submit and flow.submit_problems() == []
    del doc["concerns"]["narrative"]
    del doc["referrer"]["name"]
    assert [p.section for p in flow.submit_problems()] == ["referrer", "concerns"]
    flow.go("review")
    assert [p.path for p in flow.page_problems()] == ["referrer.name", "concerns.narrative"]


def test_dash_step_blocks_next_on_a_malformed_checklist():
    doc = complete(new_document("child"), subject())
    flow, _ = _flow(doc, step="dash")
    doc["dash"] = {"answers": [True] * 10}
    (p,) = flow.next()
    assert p.path == "dash.answers" and flow.current.id == "dash"
    doc["dash"] = {"answers": [False] * 24}
    assert flow.next() == [] and flow.current.id == "routing"


def test_phone_channel_fills_the_confirmation_deadline_on_edit():
    flow, _ = _flow()
    flow.doc["contact"].update(received_at="2026-11-20T16:30", channel="phone")
    flow.changed()
    assert flow.doc["contact"]["confirmation_due"] == "2026-11-21T16:30"


def test_autosave_every_30_seconds_while_dirty():
    clock = FakeClock()
    flow, saves = _flow(clock=clock)
    assert not flow.tick()
    flow.changed()
    clock.t += 29
    assert not flow.tick() and flow.dirty
    clock.t += 1
    assert flow.tick() and saves == ["contact"] and not flow.dirty
    clock.t += 60
    assert not flow.tick()  # nothing new to save


def test_resumed_draft_opens_on_its_saved_step_and_saves_through_intake(workspace):
    doc = intake.new_draft(workspace)
    flow = WizardFlow(load_form(), doc, saver=lambda d, step: intake.save_draft(workspace, d, step))
    flow.doc["referrer"]["name"] = "Refer Testperson"
    flow.changed()
    flow.next()
    saved, step = intake.resume_draft(workspace, doc["id"])
    assert step == "referrer" and saved["referrer"]["name"] == "Refer Testperson"
    again = WizardFlow(load_form(), saved, step=step)
    assert again.current.id == "referrer"


def test_hidden_step_falls_back_to_the_first_page():
    flow, _ = _flow(new_document("adult"), step="s42")
    assert flow.current.id == "s42"
    flow.doc["variant"] = "child"
    assert flow.current.id == "contact"
