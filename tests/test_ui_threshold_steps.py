"""Threshold, DASH, s42 and routing wizard steps, built on their own with a document dict."""

from __future__ import annotations

from PySide6.QtCore import Qt

from triage_desk.forms.catalogue import default_catalogue
from triage_desk.ui.dash_step import DashStep
from triage_desk.ui.routing_step import RoutingStep, time_left_text
from triage_desk.ui.s42_step import S42Step
from triage_desk.ui.threshold_step import ThresholdStep

RECEIVED = "2026-11-20T10:00"


def child_doc(*indicators: str) -> dict:
    return {"variant": "child", "contact": {"received_at": RECEIVED}, "concerns": {"indicators": list(indicators)}}


def adult_doc() -> dict:
    return {"variant": "adult", "contact": {"received_at": RECEIVED}, "concerns": {"indicators": []}}


def build(qtbot, cls, doc):
    page = cls(None)
    qtbot.addWidget(page)
    page.load(doc)
    return page


def reasons(page) -> list[str]:
    return [page.reasons.item(n).text() for n in range(page.reasons.count())]


def test_ticking_indicators_updates_the_level_and_reasons(qtbot):
    page = build(qtbot, ThresholdStep, child_doc())
    assert page.level.text().startswith("Level 1")
    with qtbot.waitSignal(page.changed):
        page.set_checked("health.missed_checks")
    assert page.level.text().startswith("Level 2")
    label = next(i.label for i in default_catalogue().indicators.values() if i.id == "health.missed_checks")
    assert any(label in r for r in reasons(page)) and not any("health.missed_checks" in r for r in reasons(page))
    page.set_checked("health.non_accidental_injury")
    assert page.level.text().startswith("Level 4")
    assert "Hard trigger" in page.triggers.text() and "injury" in page.triggers.text()
    doc = {}
    page.store(doc)
    assert doc["concerns"]["indicators"] == ["health.missed_checks", "health.non_accidental_injury"]


def test_three_domains_at_level_two_show_the_escalation_reason(qtbot):
    page = build(qtbot, ThresholdStep, child_doc("health.missed_checks", "education.occasional_absence"))
    assert page.level.text().startswith("Level 2")
    page.set_checked("parenting.inconsistent_routines")
    assert page.level.text().startswith("Level 3")
    assert any(r.startswith("rule multiple needs") and "3 domains" in r for r in reasons(page))


def test_space_ticks_the_selected_indicator_and_search_filters(qtbot):
    page = build(qtbot, ThresholdStep, child_doc())
    page.show()
    qtbot.keyClicks(page.search, "development checks")
    visible = [i.data(0, Qt.ItemDataRole.UserRole) for i in page._indicator_items() if not i.isHidden()]
    assert visible == ["health.missed_checks"]
    item = next(i for i in page._indicator_items() if not i.isHidden())
    page.tree.setFocus()
    page.tree.setCurrentItem(item)
    qtbot.keyClick(page.tree, Qt.Key.Key_Space)
    assert page.chosen() == ["health.missed_checks"]
    assert "Missed health" in page.help.text()


def test_adult_variant_shows_the_adult_catalogue(qtbot):
    page = build(qtbot, ThresholdStep, adult_doc())
    ids = [i.data(0, Qt.ItemDataRole.UserRole) for i in page._indicator_items()]
    assert ids and not any(i.startswith("parenting.") for i in ids)
    assert any(i.startswith("adult_self_neglect.") for i in ids)


def test_dash_fourteen_yes_answers_show_high_risk(qtbot):
    page = build(qtbot, DashStep, adult_doc())
    page.set_answers([True] * 13 + [False] * 11)
    assert page.risk() == "medium" and "MEDIUM" in page.summary.text()
    page.set_answers([True] * 14 + [False] * 10)
    assert page.risk() == "high" and "HIGH" in page.summary.text() and "MARAC" in page.summary.text()
    doc = {}
    page.store(doc)
    assert sum(doc["dash"]["answers"]) == 14 and len(doc["dash"]["answers"]) == 24


def test_dash_judgement_without_a_reason_is_refused(qtbot):
    page = build(qtbot, DashStep, adult_doc())
    page.set_answers([True] * 3 + [None] * 21)
    assert page.risk() == "standard"
    page.judgement.setChecked(True)
    assert page.risk() == "high"
    assert any(p.startswith("dash.judgement_reason") for p in page.problems())
    assert page.message.isVisibleTo(page)
    page.reason.setCurrentIndex(page.reason.findData("strangulation"))
    assert page.problems() == [] and not page.message.isVisibleTo(page)


def test_dash_shows_a_repeat_marac(qtbot):
    page = build(qtbot, DashStep, adult_doc())
    page.marac_known.setChecked(True)
    page.marac_date.setDate(page.marac_date.date().fromString("2026-03-01", Qt.DateFormat.ISODate))
    assert "REPEAT MARAC" in page.repeat.text()


def test_s42_two_of_three_tests_is_no_duty(qtbot):
    page = build(qtbot, S42Step, adult_doc())
    page.set_value({"care_support_needs": True, "abuse_or_neglect": True, "unable_to_protect": False})
    assert not page.duty_applies() and page.result.text().startswith("No s42 duty: 2 of 3")
    page.set_value({"unable_to_protect": True})
    assert page.duty_applies() and page.result.text().startswith("s42 duty applies")
    assert S42Step.applies(adult_doc()) and not S42Step.applies(child_doc())


def test_routing_override_without_rationale_is_refused(qtbot):
    doc = child_doc("parenting.inconsistent_routines")
    page = build(qtbot, RoutingStep, doc)
    assert page.engine_level.text().startswith("Level 2") and "EH" in page.engine_outcomes.text()
    assert page.problems() == []
    assert doc["decision"]["proposal"]["final_level"] == 2  # accepting the suggestion
    page.set_override(3, ["S17"], rationale="")
    assert any(p.startswith("routing.rationale") for p in page.problems())
    assert "Override refused" in page.message.text() and page.message.isVisibleTo(page)
    page.rationale.setPlainText("School reports bruising twice this term and a new adult at home.")
    assert page.problems() == []
    assert "practice lead" in page.approval.text()
    page.store(doc)
    assert doc["decision"]["proposal"]["final_level"] == 3 and doc["decision"]["proposal"]["final_outcomes"] == ["S17"]


def test_routing_follows_changes_made_on_other_steps(qtbot):
    doc = child_doc("parenting.inconsistent_routines")
    page = build(qtbot, RoutingStep, doc)
    doc["concerns"]["indicators"].append("health.non_accidental_injury")
    assert page.problems() == []  # not an override: the accepted suggestion follows the document
    assert doc["decision"]["proposal"]["final_level"] == 4 and "STRAT" in doc["decision"]["proposal"]["final_outcomes"]


def test_time_left_says_overdue_in_words():
    assert time_left_text("2026-11-20T10:00", now=__import__("datetime").datetime(2026, 11, 20, 8, 30)) \
        == "1 h 30 min left"
    assert time_left_text("2026-11-20T10:00", now=__import__("datetime").datetime(2026, 11, 21, 12, 0)) \
        .startswith("OVERDUE by 1 d 2 h")


def test_an_administrator_entering_a_referral_leaves_the_decision_to_officers(qtbot):
    from types import SimpleNamespace

    doc = child_doc("parenting.inconsistent_routines")
    page = RoutingStep(SimpleNamespace(user=SimpleNamespace(role="admin")))
    qtbot.addWidget(page)
    page.load(doc)
    page.store(doc)
    assert "decision" not in doc and page.problems() == [] and not page.override.isEnabled()
