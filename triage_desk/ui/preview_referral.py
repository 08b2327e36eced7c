"""Previews of the referral wizard, its pages and steps, and the bundle screens (see ui/preview.py)."""

from __future__ import annotations

from triage_desk.ui.preview_registry import PASSWORD, PreviewContext, screen


def _case_doc(ctx: PreviewContext) -> dict:
    from triage_desk import intake

    return ctx.once("case_doc", lambda: intake.open_case(ctx.ws, ctx.case()[1]))


def _section_of_kind(ctx: PreviewContext, kind: str) -> dict:
    return next(s for s in ctx.form()["sections"] if s.get("kind") == kind)


# ---- the referral wizard -----------------------------------------------------------------------------
@screen("referral_wizard", "referral_wizard.ReferralWizard", user="officer")
def _wizard(ctx: PreviewContext):
    from triage_desk import intake
    from triage_desk.ui.referral_wizard import ReferralWizard

    return ReferralWizard(ctx.ws, intake.new_draft(ctx.ws))


@screen("draft_offer_dialog", "draft_offer_dialog.DraftOfferDialog", user="officer")
def _drafts(ctx: PreviewContext):
    from triage_desk import intake
    from triage_desk.ui.draft_offer_dialog import DraftOfferDialog

    intake.new_draft(ctx.ws)
    return DraftOfferDialog(intake.list_drafts(ctx.ws, mine_only=True))


@screen("section_page", "section_page.SectionPage", user="officer")
def _section(ctx: PreviewContext):
    from triage_desk.ui.section_page import page_for

    return page_for(ctx.ws, ctx.section("contact"), ctx.form(), doc=_case_doc(ctx))


@screen("match_panel", "match_panel.MatchPanel", user="officer")
def _match(ctx: PreviewContext):
    from triage_desk.ui.match_panel import MatchPanel
    from triage_desk.ui.section_page import page_for

    page = page_for(ctx.ws, ctx.section("subjects"), ctx.form(), doc=_case_doc(ctx))
    page.load(_case_doc(ctx))
    return MatchPanel(ctx.ws, page, save_first=lambda: lambda: None)  # a preview has nothing to save


@screen("consent_editor", "consent_editor.ConsentEditor", user="officer")
def _consent(ctx: PreviewContext):
    from triage_desk.ui.consent_editor import ConsentEditor

    editor = ConsentEditor(ctx.ws, _section_of_kind(ctx, "consent"), ctx.form())
    editor.load(_case_doc(ctx))
    return editor


@screen("consent_record_dialog", "consent_editor.ConsentRecordDialog", user="officer")
def _consent_record(ctx: PreviewContext):
    from triage_desk.ui.consent_editor import ConsentRecordDialog

    return ConsentRecordDialog(_case_doc(ctx), {}, "officer", ctx.form())


@screen("household_editor", "household_editor.HouseholdEditor", user="officer")
def _household(ctx: PreviewContext):
    from triage_desk.ui.household_editor import HouseholdEditor

    editor = HouseholdEditor(ctx.ws, _section_of_kind(ctx, "household"), ctx.form(), doc=_case_doc(ctx))
    editor.load(_case_doc(ctx))
    return editor


def _step(ctx: PreviewContext, key: str):
    from triage_desk.ui.wizard_pages import load_page_class

    page = load_page_class(key)(ctx.ws)
    page.load(_case_doc(ctx))
    return page


for _key, _shows in (("threshold", "threshold_step.ThresholdStep"), ("dash", "dash_step.DashStep"),
                     ("s42", "s42_step.S42Step"), ("routing", "routing_step.RoutingStep")):
    screen(f"{_key}_step", _shows, user="officer")(lambda ctx, key=_key: _step(ctx, key))


@screen("review_page", "wizard_pages.ReviewPage", user="officer")
def _review_page(ctx: PreviewContext):
    from triage_desk.ui.wizard_pages import ReviewPage

    page = ReviewPage(ctx.ws, ctx.form())
    page.load(_case_doc(ctx))
    return page


@screen("lock_screen", "idle_lock.LockScreen", user="officer")
def _lock(ctx: PreviewContext):
    from triage_desk.ui.idle_lock import LockScreen

    screen_ = LockScreen(ctx.ws)
    screen_.lock(ctx.ws.user, "Locked. Signed in: Preview Officer.")
    return screen_


# ---- bundles and trust -------------------------------------------------------------------------------
def _bundle(ctx: PreviewContext):
    """The synthetic case exported unencrypted by the officer, then opened and verified."""
    def make():
        from triage_desk.bundle.export import export_case
        from triage_desk.bundle.verify import open_bundle

        path = ctx.root / "preview-case.zip"
        ctx.sign_in("officer")
        export_case(ctx.ws, ctx.case()[1], password=PASSWORD, out=path, unencrypted=True)
        return path, open_bundle(path, ws=ctx.ws)

    return ctx.once("bundle", make)


@screen("export_dialog", "export_dialog.ExportDialog", user="officer")
def _export(ctx: PreviewContext):
    from triage_desk.ui.export_dialog import ExportDialog

    return ExportDialog(ctx.ws, ctx.case()[1])


@screen("open_bundle_dialog", "bundle_view.OpenBundleDialog", user="officer")
def _open_bundle(ctx: PreviewContext):
    from triage_desk.ui.bundle_view import OpenBundleDialog

    return OpenBundleDialog(ctx.ws, _bundle(ctx)[0])


@screen("bundle_report", "bundle_view.BundleReportDialog", user="officer")
def _bundle_report(ctx: PreviewContext):
    from triage_desk.ui.bundle_view import BundleReportDialog

    return BundleReportDialog(ctx.ws, _bundle(ctx)[1])


@screen("bundle_case_view", "pdf_pages.CaseViewDialog", user="officer")
def _bundle_case(ctx: PreviewContext):
    from triage_desk.ui.pdf_pages import CaseViewDialog

    bundle = _bundle(ctx)[1]
    return CaseViewDialog(bundle.case_ref, bundle.pdf)


@screen("import_dialog", "import_dialog.ImportDialog", user="officer")
def _import(ctx: PreviewContext):
    from triage_desk.bundle.importer import plan_import
    from triage_desk.ui.import_dialog import ImportDialog

    return ImportDialog(ctx.ws, plan_import(ctx.ws, _bundle(ctx)[1]))


@screen("trust_dialog", "trust_dialog.TrustDialog")
def _trust(ctx: PreviewContext):
    from triage_desk.ui.trust_dialog import TrustDialog

    return TrustDialog(ctx.ws)


@screen("add_signer_dialog", "trust_dialog.AddSignerDialog")
def _add_signer(ctx: PreviewContext):
    from triage_desk.ui.trust_dialog import AddSignerDialog

    bundle = _bundle(ctx)[1]
    return AddSignerDialog(ctx.ws, bundle.public_key, bundle.identity)
