"""Referral › Re-assess every referral…: the run's progress and its result in the app (issue 16 point 5)."""

from __future__ import annotations

from casework_helpers import submitted
from checks_helpers import act_as
from sqlalchemy import update

from triage_desk.models import Referral
from triage_desk.ui.rescore_dialog import RescoreDialog


def test_the_app_re_assesses_every_referral_with_progress_and_lists_the_changes(qtbot, workspace, monkeypatch):
    from triage_desk import rescoring

    def not_beside_the_gui(self, documents):
        raise AssertionError("scored in the app's process: its GUI thread would wait for the interpreter lock")

    monkeypatch.setattr(rescoring.LevelScorer, "score", not_beside_the_gui)  # workers import their own copy
    monkeypatch.setattr(rescoring, "spare_cores", lambda: 0)  # a busy machine: the CLI would score in-process
    act_as(workspace, "officer")
    docs = [submitted(workspace, surname=f"Rescore{n}") for n in range(3)]
    with workspace.session() as s:  # as if the catalogue had said otherwise when it was stored
        s.execute(update(Referral).where(Referral.id == docs[0]["id"]).values(suggested_level=1))
    act_as(workspace, "lead")
    dialog = RescoreDialog(workspace)
    qtbot.addWidget(dialog)
    seen = []
    dialog.progressed.connect(lambda done, total: seen.append((done, total)))
    dialog.open_and_start()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=60000)
    assert seen and seen[0] == (0, 3)
    assert dialog.bar.value() == dialog.bar.maximum() == 3
    assert "3 referrals re-assessed: 1 would change level" in dialog.status.text()
    assert dialog.changes.toPlainText().startswith(f"{docs[0]['reference']}: level 1 → ")
