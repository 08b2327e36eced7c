"""The review queue screen: a blind case is scored, revealed and agreed with through the screen."""

from __future__ import annotations

from bundle_helpers import new_identity, sign_in
from review_helpers import LAPTOP_PASSWORD, OUTCOME, front_door, laptop, trust_each_other

from triage_desk import review_offline
from triage_desk.review_pack import export_pack, import_pack
from triage_desk.ui import operations


def test_blind_case_is_scored_then_revealed_then_agreed(qtbot, workspace, tmp_path):
    from triage_desk.ui.review_pack_dialog import ReviewQueueDialog

    refs = front_door(workspace)[:2]
    lap = laptop(tmp_path / "laptop")
    trust_each_other(workspace, lap)
    sign_in(workspace, "lead", "user-password-1")
    ident = new_identity()
    export_pack(workspace, cases=refs, blind=True, out=tmp_path / "p.tdreview", recipient=str(ident.to_public()))
    sign_in(lap, "revlead", LAPTOP_PASSWORD)
    import_pack(lap, tmp_path / "p.tdreview", identity=ident)
    dialog = ReviewQueueDialog(lap)
    qtbot.addWidget(dialog)
    operations.settle()
    assert dialog.cases.count() == 2 and "to score blind" in dialog.cases.item(0).text()
    dialog.cases.setCurrentRow(0)
    operations.settle()
    assert "Officer:" not in dialog.detail.text() and not dialog.buttons["Agree"].isEnabled()
    dialog.level.setCurrentIndex(0)
    dialog.outcomes.setText(",".join(OUTCOME[1]))
    dialog.buttons["Score blind"].click()
    operations.settle()
    dialog.cases.setCurrentRow(0)
    operations.settle()
    dialog.buttons["Reveal decision"].click()
    operations.settle()
    dialog.cases.setCurrentRow(0)
    operations.settle()
    assert "Officer: level 1" in dialog.detail.text() and dialog.buttons["Agree"].isEnabled()
    assert "<" not in dialog.detail.text()  # a plain-text label shows exactly its text: no markup
    dialog.buttons["Agree"].click()
    operations.settle()
    assert [r["reviewed"] for r in review_offline.queue(lap)] == ["agree", None]
    assert "agreed" in dialog.cases.item(0).text()
    lap.close()


def test_the_approval_queue_can_be_sent_for_review(workspace, tmp_path):
    """`--cases approval-queue`: every decision awaiting a practice lead's approval, nothing else."""
    from review_helpers import OFFICER_LEVELS

    refs = front_door(workspace)
    sign_in(workspace, "lead", "user-password-1")
    result, _data = export_pack(workspace, cases=["approval-queue"], out=None, passphrase="a long pack passphrase 1")
    assert list(result.references) == [r for r, lv in zip(refs, OFFICER_LEVELS, strict=True) if lv > 1]


def test_agreement_screen_shows_the_statistics_and_saves_the_meeting_pack(qtbot, workspace, tmp_path):
    from triage_desk.review_apply import apply_return
    from triage_desk.ui.agreement_dialog import AgreementDialog

    refs = front_door(workspace)[4:6]  # officer levels 1 and 2
    lap = laptop(tmp_path / "laptop")
    trust_each_other(workspace, lap)
    sign_in(workspace, "lead", "user-password-1")
    ident = new_identity()
    export_pack(workspace, cases=refs, out=tmp_path / "p.tdreview", recipient=str(ident.to_public()))
    sign_in(lap, "revlead", LAPTOP_PASSWORD)
    import_pack(lap, tmp_path / "p.tdreview", identity=ident)
    review_offline.review(lap, refs[0], agree=True)
    review_offline.review(lap, refs[1], agree=False, choice=review_offline.Choice(
        3, OUTCOME[3], rationale="Synthetic lead rationale, level three."))
    review_offline.write_return(lap, None, tmp_path / "r.tdreturn", recipient=str(ident.to_public()))
    lap.close()
    apply_return(workspace, tmp_path / "r.tdreturn", identity=ident)
    dialog = AgreementDialog(workspace)
    qtbot.addWidget(dialog)
    operations.settle()
    assert "2 cases reviewed" in dialog.text.text() and "agreement on the level: 50.0%" in dialog.text.text()
    assert "by team:" in dialog.text.text() and "no team: 1 of 2 agreed" in dialog.text.text()
    assert "<" not in dialog.text.text()
    dialog.team.setText("Nobody's Team")
    dialog.reload()
    operations.settle()
    assert "no user is in a team called" in dialog.error.text()
    dialog.team.clear()
    dialog.reload()
    operations.settle()
    dialog.save_pdf(str(tmp_path / "meeting.pdf"))
    operations.settle()
    assert (tmp_path / "meeting.pdf").read_bytes().startswith(b"%PDF") and "saved" in dialog.text.text()


def test_packs_and_returns_are_imported_from_the_file_menu_with_the_result_in_words(qtbot, workspace, tmp_path):
    from triage_desk.ui.review_import import ImportPackDialog, ImportReturnDialog

    refs = front_door(workspace)[4:6]
    lap = laptop(tmp_path / "laptop")
    trust_each_other(workspace, lap)
    sign_in(workspace, "lead", "user-password-1")
    ident = new_identity()
    (tmp_path / "lead.key").write_text(f"# synthetic test key\n{ident}\n")
    export_pack(workspace, cases=refs, out=tmp_path / "p.tdreview", recipient=str(ident.to_public()))
    sign_in(lap, "revlead", LAPTOP_PASSWORD)
    dialog = ImportPackDialog(lap, tmp_path / "p.tdreview")
    qtbot.addWidget(dialog)
    assert dialog.use_identity.isChecked()  # the file says it is sealed to an age key
    dialog.identity.setText(str(tmp_path / "lead.key"))
    dialog.open_button.click()
    operations.settle()
    said = dialog.outcome.text()
    assert "Signed by Test Lead (Practice lead)" in said and "2 cases added to your review queue" in said
    assert len(review_offline.queue(lap)) == 2
    again = ImportPackDialog(lap, tmp_path / "p.tdreview")  # the same pack twice: refused, in words
    qtbot.addWidget(again)
    again.identity.setText(str(tmp_path / "lead.key"))
    again.open_button.click()
    operations.settle()
    assert "Nothing was imported" in again.error.text() and "already imported" in again.error.text()
    review_offline.review(lap, refs[0], agree=True)
    review_offline.write_return(lap, None, tmp_path / "r.tdreturn", passphrase="a long return passphrase 1")
    lap.close()
    back = ImportReturnDialog(workspace, tmp_path / "r.tdreturn")
    qtbot.addWidget(back)
    assert back.use_passphrase.isChecked()
    back.passphrase.setText("not the passphrase")
    back.open_button.click()
    operations.settle()
    assert "Nothing was imported" in back.error.text() and back.outcome.isHidden()
    back.passphrase.setText("a long return passphrase 1")
    back.open_button.click()
    operations.settle()
    assert "Signed by Review Lead" in back.outcome.text() and "agreements recorded: 1" in back.outcome.text()


def test_a_review_pack_is_exported_from_the_file_menu_with_the_result_in_words(qtbot, workspace, tmp_path):
    from triage_desk.ui.review_export import ExportPackDialog

    front_door(workspace)
    sign_in(workspace, "lead", "user-password-1")
    dialog = ExportPackDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.out.setText(str(tmp_path / "p.tdreview"))
    dialog.export_button.click()  # neither a key nor a passphrase: refused in words, nothing saved
    assert "encryption:" in dialog.error.text().lower() and not (tmp_path / "p.tdreview").exists()
    dialog.passphrase.setText("a long pack passphrase 1")
    dialog.sampled.setChecked(True)
    dialog.spec.setText("per_month=3,stratify=level,overrides=none,by_team=yes")
    dialog.blind.setChecked(True)
    dialog.export_button.click()
    operations.settle()
    said = dialog.outcome.text()
    assert "cases signed by you, encrypted and saved to" in said and "blind" in said and "Sample seed" in said
    assert (tmp_path / "p.tdreview").read_bytes().startswith(b"age-encryption.org/v1")
    assert dialog.result.seed in said and len(dialog.result.references) == 3  # 3 a month, one team (no team)
