"""The referral wizard: the form definition's sections as steps, plus extra steps from other features.

Left, the steps with their state (complete / problems / not visited yet); centre, the page; right, a
live list of everything that blocks submission (Enter on a line jumps to the field). Drafts are never
lost: autosave on every page change, every 30 s while there are unsaved changes (off the GUI thread),
and on close. Keyboard: Alt+N next, Alt+B back, Ctrl+S save, Ctrl+Enter submit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk import intake
from triage_desk.ui import operations
from triage_desk.ui.draft_offer_dialog import DraftOfferDialog
from triage_desk.ui.lease_banner import LeaseBanner
from triage_desk.ui.section_page import page_for
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain
from triage_desk.ui.window_state import remembered_split
from triage_desk.ui.wizard_pages import ReviewPage, extra_pages
from triage_desk.ui.wizard_problems import ProblemList
from triage_desk.ui.wizard_saving import DraftSaving
from triage_desk.ui.wizard_steps import FitScrollArea, Step, relative_path
from triage_desk.ui.wizard_team import TeamEditing

TICK_MS = 2_000  # the flow decides when a save is due (every 30 s while there are unsaved edits)
REVALIDATE_MS = 150
_open_wizards: set[ReferralWizard] = set()  # non-modal windows: kept alive until closed


class ReferralWizard(ProblemList, DraftSaving, TeamEditing, QDialog):
    submitted = Signal(dict)  # the submitted document (with reference and re-referral count)

    def __init__(self, ws, doc: dict, step: str | None = None, parent: QWidget | None = None, *,
                 version: int | None = None):
        from triage_desk.forms.form import load_form as load
        from triage_desk.forms.wizard_flow import WizardFlow

        super().__init__(parent)
        self.ws = ws
        self.form_obj = load(data_dir=getattr(ws, "data_dir", None))
        self.form = self.form_obj.raw
        self.flow = WizardFlow(self.form_obj, doc, step=step, saver=self._flow_saver)
        self.is_submitted = False
        self._generation = 0  # bumped on every edit; a save records the generation it wrote
        self._saved_generation = 0
        self._save_lock = threading.Lock()
        self._saving = False
        self._closing = False  # a save before closing is under way
        self._save_again = False
        self._submitting = False
        self.init_team(doc, version)  # before any save can run on a worker thread
        self.setWindowTitle(f"Referral {doc.get('reference', '')} - Triage Desk")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1180, 760)
        self._build()
        self.steps = self._make_steps()
        for s in self.steps:
            self._add_step_widgets(s)
        self._wire_shortcuts()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(TICK_MS)
        self.autosave_timer.timeout.connect(self.flow.tick)
        self.autosave_timer.start()
        self.revalidate_timer = QTimer(self)
        self.revalidate_timer.setSingleShot(True)
        self.revalidate_timer.setInterval(REVALIDATE_MS)
        self.revalidate_timer.timeout.connect(self.revalidate)
        QApplication.instance().focusChanged.connect(self._scroll_to_focus)
        QApplication.instance().installEventFilter(self)  # Alt+N / Alt+B win over mnemonics inside pages
        start = next((i for i, s in enumerate(self.steps) if s.key == self.flow.current.id), 0)
        self.current = -1
        self._show_step(start)
        self.start_team()

    @property
    def doc(self) -> dict:
        return self.flow.doc

    # ---- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Steps")
        self.step_list.setMinimumWidth(190)  # narrow enough that a 1024-pixel screen leaves the page room
        self.step_list.setWordWrap(True)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.currentRowChanged.connect(self._step_chosen)
        self.title = make_plain(heading("", 4))
        self.stack = QStackedWidget()
        self.message = ErrorLabel()
        self.editing_banner = LeaseBanner(self.ws)  # "Being edited by NAME since TIME" (wizard_team)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(12, 0, 12, 0)
        centre_layout.addWidget(self.editing_banner)
        centre_layout.addWidget(self.title)
        centre_layout.addWidget(self.message)
        centre_layout.addWidget(self.stack, 1)
        splitter = remembered_split(self.ws, "referral_wizard", [self.step_list, centre, self._blocking_pane()],
                                    [0, 1, 0], sizes=[200, 700, 220])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(self._button_bar())

    def _blocking_pane(self) -> QWidget:
        """The right-hand list of what still blocks submission (Enter on a line goes to the field)."""
        self.blocking = QListWidget()
        self.blocking.setAccessibleName("What blocks submission")
        self.blocking.setWordWrap(True)
        self.blocking.itemActivated.connect(self._jump_to_problem)
        blocking_title = QLabel("What blocks submission")
        font = blocking_title.font()
        font.setBold(True)
        blocking_title.setFont(font)
        blocking_title.setBuddy(self.blocking)
        self.blocking_hint = QLabel("Press Enter on a line to go to the field.")
        self.blocking_hint.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(blocking_title)
        right_layout.addWidget(self.blocking, 1)
        right_layout.addWidget(self.blocking_hint)
        right.setMinimumWidth(200)
        return right

    def _button_bar(self) -> QHBoxLayout:
        self.status = QLabel("")
        self.status.setAccessibleName("Draft status")
        self.back_button = QPushButton("&Back")
        self.next_button = QPushButton("&Next")
        self.save_button = QPushButton("Save &draft")
        self.submit_button = QPushButton("S&ubmit")
        self.close_button = QPushButton("&Close")
        for button, name in ((self.back_button, "Back"), (self.next_button, "Next"), (self.save_button, "Save draft"),
                             (self.submit_button, "Submit"), (self.close_button, "Close")):
            button.setAccessibleName(name)
            button.setAutoDefault(False)
        self.back_button.setToolTip("Previous step (Alt+B)")
        self.next_button.setToolTip("Next step (Alt+N)")
        self.save_button.setToolTip("Save the draft now (Ctrl+S)")
        self.submit_button.setToolTip("Submit the referral (Ctrl+Enter)")
        self.close_button.setToolTip("Close; the draft is saved first")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.save_button.clicked.connect(lambda: self.save_draft_async("button", force=True))
        self.submit_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        for button in (self.back_button, self.next_button, self.save_button, self.submit_button, self.close_button):
            bottom.addWidget(button)
        return bottom

    def _make_steps(self) -> list[Step]:
        extras = {key: (title, cls) for key, title, cls in extra_pages()}
        steps = []
        for fs in self.flow.steps:
            if fs.section is not None:
                steps.append(Step(fs.id, fs.title, self._section_page(fs.section), fs.section["path"], fs.section))
            elif fs.id == "review":
                self.review = ReviewPage(self.ws, self.form)
                self.review.submit_requested.connect(self.submit)
                self.review.blocking.itemActivated.connect(self._jump_to_problem)
                steps.append(Step("review", fs.title, self.review, None))
            elif fs.id in extras:  # a step whose page is not in this build is left out, never shown dead
                title, cls = extras[fs.id]
                applies = getattr(cls, "applies", None)
                if applies is None or applies(self.doc):
                    steps.append(Step(fs.id, title, cls(self.ws), None))
        return steps

    def _section_page(self, section: dict) -> QWidget:
        kind = section.get("kind")
        if kind == "consent":
            from triage_desk.ui.consent_editor import ConsentEditor

            return ConsentEditor(self.ws, section, self.form)
        if kind == "household":
            from triage_desk.ui.household_editor import HouseholdEditor

            return HouseholdEditor(self.ws, section, self.form, doc=self.doc)
        page = page_for(self.ws, section, self.form, doc=self.doc)
        if section["id"] == "subjects" and section.get("repeat"):
            from triage_desk.ui.match_panel import MatchPanel

            page.match_panel = MatchPanel(self.ws, page, save_first=self.save_work)
            page.extra.addWidget(page.match_panel)
        return page

    def _add_step_widgets(self, step: Step) -> None:
        item = QListWidgetItem(step.title)
        self.step_list.addItem(item)
        self.stack.addWidget(FitScrollArea(step.page))
        step.page.changed.connect(self._edited)

    def _wire_shortcuts(self) -> None:
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save_draft_async(force=True))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)

    # ---- navigation -------------------------------------------------------------------------------
    def step(self) -> Step:
        return self.steps[self.current]

    def step_key(self) -> str:
        return self.step().key

    def _step_chosen(self, row: int) -> None:
        if row != self.current and 0 <= row < len(self.steps):
            self.go_to(row)

    def go_to(self, index: int, focus: bool = True) -> bool:
        """Move to a step (the flow saves the draft). Going forward past wrong values is refused."""
        if index == self.current or not 0 <= index < len(self.steps) or self.is_submitted:
            return False
        step = self.step()
        step.page.store(self.doc)
        step.visited = True
        blockers = self.flow.go(self.steps[index].key)
        if blockers:
            self.revalidate()
            self._select_row(self.current)
            self.message.show_error("Please correct this page first: " + "; ".join(p.message for p in blockers))
            first = blockers[0]
            page = step.page
            if not (hasattr(page, "focus_path") and page.focus_path(relative_path(first.path, step.path))):
                self.step_list.setFocus()
            return False
        self._show_step(index, focus)
        return True

    def _select_row(self, index: int) -> None:
        blocked = self.step_list.blockSignals(True)
        self.step_list.setCurrentRow(index)
        self.step_list.blockSignals(blocked)

    def _show_step(self, index: int, focus: bool = True) -> None:
        self.current = index
        step = self.step()
        step.page.load(self.doc)
        self.stack.setCurrentIndex(index)
        self._chain_tab_order(step.page)
        self.title.setText(step.title)
        self._select_row(index)
        self.back_button.setEnabled(index > 0 and not self.is_submitted)
        self.next_button.setEnabled(index < len(self.steps) - 1 and not self.is_submitted)
        self.message.clear_error()
        self.revalidate()
        if focus:
            first = getattr(step.page, "first_input", lambda: None)()
            (first or self.next_button).setFocus(Qt.FocusReason.TabFocusReason)

    def _chain_tab_order(self, page: QWidget) -> None:
        """Tab goes: steps, the page from top to bottom, what blocks submission, the buttons."""
        inputs = getattr(page, "input_widgets", lambda: [])()
        tail = [self.blocking, self.back_button, self.next_button, self.save_button, self.submit_button,
                self.close_button]
        order = [self.step_list, *inputs, *tail] if inputs else tail
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def next(self) -> None:
        self.go_to(self.current + 1)

    def back(self) -> None:
        self.go_to(self.current - 1)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Alt+N and Alt+B always mean Next and Back in this window, even when a step page has a label
        using the same letter (an ambiguous mnemonic would otherwise only move the focus)."""
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(watched, QWidget) \
                and event.modifiers() == Qt.KeyboardModifier.AltModifier \
                and event.key() in (Qt.Key.Key_N, Qt.Key.Key_B) and watched.window() is self:
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # deliver it as a key press (below) instead of a shortcut
            elif not event.isAutoRepeat():
                self.next() if event.key() == Qt.Key.Key_N else self.back()
            return True
        return False

    def _scroll_to_focus(self, _old, new) -> None:
        scroll = self.stack.currentWidget()
        if new is not None and isinstance(scroll, QScrollArea) and scroll.widget().isAncestorOf(new):
            scroll.ensureWidgetVisible(new, 20, 40)

    # ---- validation -------------------------------------------------------------------------------
    def _edited(self) -> None:
        if self.is_submitted:
            return
        self.step().page.store(self.doc)
        self.flow.changed()  # derived values (the phone confirmation deadline) follow the answers
        if hasattr(self.step().page, "group"):
            self.step().page.group.sync_computed()
        self._generation += 1
        self.status.setText("Unsaved changes")
        self.revalidate_timer.start()

    # ---- submit and close -------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Every way of closing (Close, Escape, the window's X, the screen lock) saves the draft first (off
        the GUI thread: the window closes once the save has landed, wizard_saving.save_then_close)."""
        if not self.is_submitted and (self.is_dirty() or self.flow.dirty):
            self.save_then_close(result)
            return
        self._closed(result)

    def _closed(self, result: int) -> None:
        self.release_lease()
        self.autosave_timer.stop()
        QApplication.instance().removeEventFilter(self)
        try:
            QApplication.instance().focusChanged.disconnect(self._scroll_to_focus)
        except (RuntimeError, TypeError):
            pass
        _open_wizards.discard(self)
        super().done(result)

    def _unlocked_after_failed_save(self, locked: bool) -> None:
        if not locked:
            self.parent().lock_changed.disconnect(self._unlocked_after_failed_save)
            self.show()
            self.message.show_error("The draft could not be saved when the screen locked: save it now (Ctrl+S).")


# ---- entry points for the Cases area ---------------------------------------------------------------
def _open(wizard: ReferralWizard) -> ReferralWizard:
    _open_wizards.add(wizard)
    wizard.show()
    wizard.raise_()
    wizard.activateWindow()
    # Again once the menu or dialog that opened it has closed, so the keyboard lands in the wizard.
    QTimer.singleShot(0, lambda: shiboken6.isValid(wizard) and wizard.isVisible() and wizard.activateWindow())
    return wizard


def _then(callback: Callable | None, value) -> None:
    if callback is not None:
        callback(value)


def start_new_referral(ws, parent: QWidget | None = None, variant: str = "child", *,
                       opened: Callable[[ReferralWizard], None] | None = None,
                       refused: Callable[[BaseException], None] | None = None) -> None:
    """A new draft (saved at once, off the GUI thread), then a wizard window on it: `opened(wizard)`."""
    operations.change(lambda: intake.new_draft(ws, variant), operations.Changes.of(operations.DRAFT),
                      lambda doc: _then(opened, _open(ReferralWizard(ws, doc, None, parent, version=1))), refused,
                      parent=parent)


def resume(ws, referral_id: str, parent: QWidget | None = None, *,
           opened: Callable[[ReferralWizard], None] | None = None,
           refused: Callable[[BaseException], None] | None = None) -> None:
    """A saved draft, opened at the step it was left on, at the version read (reading it is audited, off the
    GUI thread)."""

    def read() -> tuple[dict, str | None, int]:
        doc, step = intake.resume_draft(ws, referral_id)
        return doc, step, intake.version_of(ws, referral_id)

    def show(result: tuple[dict, str | None, int]) -> None:
        doc, step, version = result
        _then(opened, _open(ReferralWizard(ws, doc, step, parent, version=version)))

    operations.change(read, operations.Changes.of(operations.AUDIT), show, refused, parent=parent)


def _resume_kept(ws, kept: list, parent: QWidget | None) -> list[ReferralWizard]:
    """Drafts kept on this PC while the server was away: opened again and saved to the server at once
    (a draft changed there meanwhile asks whose version stands)."""
    opened = []
    for draft in kept:
        wizard = _open(ReferralWizard(ws, draft.doc, draft.step, parent, version=draft.version))
        wizard._kept_locally = True
        wizard.save_draft_async(force=True)
        opened.append(wizard)
    return opened


def offer_drafts(ws, parent: QWidget | None = None, *, opened: Callable[[ReferralWizard], None] | None = None,
                 empty: Callable[[], None] | None = None,
                 refused: Callable[[BaseException], None] | None = None) -> None:
    """If the signed-in user has drafts, offer to resume one (`opened(wizard)` if one is chosen);
    `empty()` when there is none to offer. Drafts kept on this PC while the server was away come back
    first, without asking; a kept draft submitted on the server meanwhile is explained once (and saved as
    a new draft or discarded) before anything else."""
    from triage_desk import local_drafts

    def offer(found: tuple[tuple[list, list], list]) -> None:
        (kept, overtaken), drafts = found
        if overtaken:
            from triage_desk.ui.overtaken_draft_dialog import explain_overtaken

            explain_overtaken(ws, overtaken, parent, lambda doc: resume(ws, doc["id"], parent, opened=opened),
                              lambda: offer(((kept, []), drafts)))
            return
        if kept:
            _then(opened, _resume_kept(ws, kept, parent)[0])
            return
        if not drafts:
            if empty is not None:
                empty()
            return
        dialog = DraftOfferDialog(drafts, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_id() is not None:
            resume(ws, dialog.chosen_id(), parent, opened=opened, refused=refused)

    operations.query(lambda: (local_drafts.sort_pending(ws), intake.list_drafts(ws, mine_only=True)), offer,
                     refused, parent=parent)

