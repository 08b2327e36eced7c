"""The screens `python -m triage_desk.ui.preview` can show, each built on the preview's synthetic
workspace. A new dialog, wizard, window, area, panel, view or step gets its entry here the day it is
added (tests/test_ui_previews.py fails until it has one)."""

from __future__ import annotations

from triage_desk.ui.preview_registry import PreviewContext, on_workspace, screen

RECOVERY_CODE = "ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"  # looks like a code; unlocks nothing


# ---- start-up and accounts ---------------------------------------------------------------------------
@screen("first_run_wizard", "first_run_wizard.FirstRunWizard")
def _first_run(ctx: PreviewContext):
    from triage_desk.ui.first_run_wizard import FirstRunWizard

    return FirstRunWizard(ctx.root / "fresh")


@screen("unlock_dialog", "unlock_dialog.UnlockDialog")
def _unlock(ctx: PreviewContext):
    from triage_desk.ui.unlock_dialog import UnlockDialog

    return UnlockDialog(ctx.root / "elsewhere", lambda **_kw: None)


@screen("login_dialog", "login_dialog.LoginDialog")
def _login(ctx: PreviewContext):
    from triage_desk.ui.login_dialog import LoginDialog

    dialog = LoginDialog(ctx.ws.data_dir)
    dialog.set_workspace(ctx.ws)
    return dialog


@screen("main_window", "main_window.MainWindow", user="lead")
def _main(ctx: PreviewContext):
    from triage_desk.ui.main_window import MainWindow

    ctx.case()
    window = MainWindow(ctx.ws)
    window._drafts_offered = True  # a preview shows the window, not the sign-in offer of earlier previews' drafts
    return window


@screen("rescore_dialog", "rescore_dialog.RescoreDialog", user="lead")
def _rescore(ctx: PreviewContext):
    from triage_desk.ui.rescore_dialog import RescoreDialog

    ctx.case()
    dialog = RescoreDialog(ctx.ws)
    dialog._show_progress(40_000, 1_000_000)
    dialog.changes.appendPlainText("TD-2026-000123: level 2 → 3")
    return dialog


@screen("backups_dialog", "backups_dialog.BackupsDialog")
def _backups(ctx: PreviewContext):
    from triage_desk.ui.backups_dialog import BackupsDialog

    return BackupsDialog(ctx.ws, is_admin=True)


on_workspace("users_dialog", "users_dialog.UsersDialog")
on_workspace("add_user", "users_dialog.AddUserDialog")


@screen("reset_password", "users_dialog.ResetPasswordDialog")
def _reset_password(ctx: PreviewContext):
    from triage_desk.ui.users_dialog import ResetPasswordDialog

    return ResetPasswordDialog(ctx.ws, "officer")


@screen("change_role", "users_dialog.ChangeRoleDialog")
def _change_role(ctx: PreviewContext):
    from triage_desk.ui.users_dialog import ChangeRoleDialog

    return ChangeRoleDialog(ctx.ws, "officer", "officer")


on_workspace("settings_dialog", "settings_dialog.SettingsDialog")
on_workspace("passphrase_dialog", "passphrase_dialog.PassphraseDialog")
on_workspace("reset_passphrase", "passphrase_dialog.ResetPassphraseDialog")
on_workspace("change_password", "passphrase_dialog.ChangePasswordDialog", user="officer")


@screen("recovery_code", "passphrase_dialog.RecoveryCodeDialog")
def _recovery(ctx: PreviewContext):
    from triage_desk.ui.passphrase_dialog import RecoveryCodeDialog

    return RecoveryCodeDialog(RECOVERY_CODE)


@screen("recovery_code_panel", "widgets.RecoveryCodePanel")
def _recovery_panel(ctx: PreviewContext):
    from triage_desk.ui.widgets import RecoveryCodePanel

    return RecoveryCodePanel(RECOVERY_CODE)


# ---- cases, review and decisions ---------------------------------------------------------------------
on_workspace("cases_area", "cases_area.CasesArea", user="officer", cases=True)


@screen("case_view", "case_view.CaseView", user="officer")
def _case_view(ctx: PreviewContext):
    from triage_desk import intake
    from triage_desk.ui.case_view import CaseView

    return CaseView(ctx.ws, intake.open_case(ctx.ws, ctx.case()[1]))


on_workspace("review_area", "review_area.ReviewArea", user="lead", cases=True)


@screen("dashboard_area", "dashboard_area.DashboardArea", user="lead")
def _dashboard(ctx: PreviewContext):
    from triage_desk.ui.dashboard_area import DashboardArea

    ctx.case()
    area = DashboardArea(ctx.ws)
    area.period.setCurrentIndex(area.period.findData("Last 12 months"))
    area.reload()
    return area


@screen("dashboard_cases", "dashboard_cases.CasesBehindDialog", user="lead")
def _dashboard_cases(ctx: PreviewContext):
    from triage_desk import measures_export
    from triage_desk.forms.clock import london_now
    from triage_desk.measures import Scope
    from triage_desk.ui.dashboard_cases import CasesBehindDialog

    ctx.case()
    today = london_now().date()
    scope = Scope(today.replace(year=today.year - 1), today)
    fig = measures_export.report(ctx.ws, scope, trend=False).figure("contacts")
    return CasesBehindDialog(ctx.ws, scope, fig)


@screen("decision_panel", "decision_panel.DecisionPanel", user="officer")
def _decision(ctx: PreviewContext):
    from triage_desk.ui.decision_panel import DecisionPanel

    return DecisionPanel(ctx.ws, ctx.case()[0])


@screen("conflict_dialog", "conflict_dialog.ConflictDialog", user="lead")
def _conflict(ctx: PreviewContext):
    """A practice lead marked a draft urgent while the officer changed how it was received."""
    import copy

    from triage_desk import intake
    from triage_desk.concurrency import Conflict
    from triage_desk.ui.conflict_dialog import ConflictDialog

    base = intake.new_draft(ctx.ws)
    version = intake.save_draft(ctx.ws, base)
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    theirs["contact"]["urgent"] = True
    intake.save_draft(ctx.ws, theirs, expected_version=version)
    ctx.sign_in("officer")
    mine["contact"]["channel"] = "phone"
    try:
        intake.save_draft(ctx.ws, mine, expected_version=version, base=base)
    except Conflict as conflict:
        return ConflictDialog(conflict)
    raise AssertionError("the preview's second save should have met the first")


@screen("checks_panel", "checks_panel.ChecksPanel", user="lead")
def _checks(ctx: PreviewContext):
    from triage_desk.ui.checks_panel import ChecksPanel

    return ChecksPanel(ctx.ws, ctx.case()[0])


def _a_check(ctx: PreviewContext) -> dict:
    """A check to the police on the synthetic case, asked for on a practice lead's decision."""
    def make() -> dict:
        from triage_desk import checks, partners

        ctx.sign_in("lead")
        partners.ensure_partners(ctx.ws)
        partner = next(p for p in partners.list_partners(ctx.ws) if p.isa_status == "signed")
        checks.request_checks(ctx.ws, ctx.case()[0], [partner.id], basis="lead_decision",
                              basis_note="Preview: synthetic lead decision")
        return checks.list_checks(ctx.ws, ctx.case()[0])[0]

    return ctx.once("check", make)


@screen("response_dialog", "check_dialogs.ResponseDialog", user="lead")
def _response(ctx: PreviewContext):
    from triage_desk.ui.check_dialogs import ResponseDialog

    return ResponseDialog(ctx.ws, _a_check(ctx))


@screen("cancel_check_dialog", "check_dialogs.CancelDialog", user="lead")
def _cancel(ctx: PreviewContext):
    from triage_desk.ui.check_dialogs import CancelDialog

    return CancelDialog(ctx.ws, _a_check(ctx))


@screen("sharing_decision_dialog", "check_dialogs.SharingDecisionDialog", user="lead")
def _sharing(ctx: PreviewContext):
    from triage_desk import partners
    from triage_desk.ui.check_dialogs import SharingDecisionDialog

    partners.ensure_partners(ctx.ws)
    return SharingDecisionDialog(ctx.ws, ctx.case()[0], partners.list_partners(ctx.ws))


on_workspace("partner_directory", "partner_admin.PartnerDirectoryDialog")


@screen("partner_edit", "partner_admin.PartnerEditDialog")
def _partner_edit(ctx: PreviewContext):
    from triage_desk import partners
    from triage_desk.ui.partner_admin import PartnerEditDialog

    partners.ensure_partners(ctx.ws)
    return PartnerEditDialog(ctx.ws, partners.list_partners(ctx.ws)[0])


# ---- after the decision (lifecycle) ---------------------------------------------------------------------
@screen("progress_panel", "progress_panel.ProgressPanel", user="lead")
def _progress(ctx: PreviewContext):
    from triage_desk.ui.progress_panel import ProgressPanel

    return ProgressPanel(ctx.ws, ctx.case()[0])


@screen("form_dialog", "form_dialog.FormDialog")
def _form(ctx: PreviewContext):
    from triage_desk.ui.form_dialog import FormDialog

    return FormDialog("A form", None)


@screen("transition_dialog", "progress_dialogs.TransitionDialog")
def _transition(ctx: PreviewContext):
    from triage_desk.ui.progress_dialogs import TransitionDialog

    return TransitionDialog("Step down to early help", "step_down",
                            ["reason", "receiving_team", "lead_professional", "family_told"])


@screen("confirmation_dialog", "progress_dialogs.ConfirmationDialog")
def _confirmation(ctx: PreviewContext):
    from triage_desk.ui.progress_dialogs import ConfirmationDialog

    return ConfirmationDialog()


@screen("cancel_deadline_dialog", "progress_dialogs.CancelDeadlineDialog")
def _cancel_deadline(ctx: PreviewContext):
    from triage_desk.ui.progress_dialogs import CancelDeadlineDialog

    return CancelDeadlineDialog("Strategy discussion")


@screen("dispute_dialog", "progress_dialogs.DisputeDialog")
def _dispute(ctx: PreviewContext):
    from triage_desk.ui.progress_dialogs import DisputeDialog

    return DisputeDialog()


@screen("dispute_review_dialog", "progress_dialogs.DisputeReviewDialog")
def _dispute_review(ctx: PreviewContext):
    from triage_desk.ui.progress_dialogs import DisputeReviewDialog

    return DisputeReviewDialog(head_of_service=False)


@screen("strategy_form", "strategy_form.StrategyForm")
def _strategy(ctx: PreviewContext):
    from triage_desk import partners
    from triage_desk.ui.strategy_form import StrategyForm

    return StrategyForm([(p.name, p.id) for p in partners.list_partners(ctx.ws)])


on_workspace("review_queue", "review_pack_dialog.ReviewQueueDialog", user="lead")
on_workspace("export_review_pack", "review_export.ExportPackDialog", user="lead")
on_workspace("agreement_dialog", "agreement_dialog.AgreementDialog", user="lead")


@screen("import_review_pack", "review_import.ImportPackDialog", user="lead")
def _import_pack(ctx: PreviewContext):
    from triage_desk.ui.review_import import ImportPackDialog

    return ImportPackDialog(ctx.ws, "review-pack.tdreview")


@screen("import_review_return", "review_import.ImportReturnDialog", user="lead")
def _import_return(ctx: PreviewContext):
    from triage_desk.ui.review_import import ImportReturnDialog

    return ImportReturnDialog(ctx.ws, "review-return.tdreturn")


@screen("join_server_dialog", "join_server.JoinServerDialog")
def _join_server(ctx: PreviewContext):
    from triage_desk.team_join import CA_FILE, JoinProblem
    from triage_desk.ui.join_server import JoinServerDialog

    dialog = JoinServerDialog(ctx.root / "joining")
    form = dialog.form
    form.address.setText("db.council.local/triage")
    form.ca_file.setText(str(ctx.root / "council-ca.pem"))
    form.user.setText("triage_app")
    form.password.setText("synthetic-password")
    form.show_problem(JoinProblem("the team server db.council.local:5432/triage did not show a TLS certificate "
                                  "this workstation trusts (wrong certificate, wrong host name or wrong CA file); "
                                  "nothing was sent. Ask IT for the server's CA certificate", CA_FILE))
    return dialog


@screen("overtaken_draft_dialog", "overtaken_draft_dialog.OvertakenDraftDialog", user="officer")
def _overtaken_draft(ctx: PreviewContext):
    from datetime import datetime
    from pathlib import Path

    from triage_desk.formatting import fmt_datetime
    from triage_desk.local_drafts import LocalDraft, Overtaken
    from triage_desk.ui.overtaken_draft_dialog import OvertakenDraftDialog

    typed = LocalDraft({"id": "preview", "reference": "TD-2026-000123"}, None, 3, Path("preview.sealed"))
    at = fmt_datetime(datetime(2026, 11, 30, 10, 42))
    return OvertakenDraftDialog(ctx.ws, Overtaken(typed, "TD-2026-000123", (
        f"TD-2026-000123 was submitted by Preview Lead at {at} while this PC could not reach the server; your "
        "offline changes were not applied to it.")))
