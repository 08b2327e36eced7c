"""The referral wizard: the form definition's sections as steps, plus extra steps from other features.

Left, the steps with their state (complete / problems / not visited yet); centre, the page; right, a
live list of everything that blocks submission (Enter on a line jumps to the field). Drafts are never
lost: autosave on every page change, every 30 s while there are unsaved changes (off the GUI thread),
and on close. Keyboard: Alt+N next, Alt+B back, Ctrl+S save, Ctrl+Enter submit.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk import intake
from triage_desk.errors import TriageError
from triage_desk.ui import operations
from triage_desk.ui.form_page import page_for
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain
from triage_desk.ui.wizard_pages import ReviewPage, extra_pages

TICK_MS = 2_000  # the flow decides when a save is due (every 30 s while there are unsaved edits)
REVALIDATE_MS = 150
_open_wizards: set[ReferralWizard] = set()  # non-modal windows: kept alive until closed


@dataclass
class Step:
    key: str  # step id of the flow: section id, extra page key, or "review"
    title: str
    page: QWidget
    path: str | None  # the document key the step edits ("concerns" for the threshold step's indicators)
    section: dict | None = None
    visited: bool = False
    problems: int = 0


def relative_path(path: str, section_path: str | None) -> str:
    """'subjects[0].dob' -> '0.dob' below the section 'subjects' (the page's own field paths)."""
    dotted = re.sub(r"\[(\d+)\]", r".\1", path.strip().removeprefix("$").lstrip("."))
    if section_path and (dotted == section_path or dotted.startswith(section_path + ".")):
        return dotted[len(section_path) + 1:]
    return dotted


class FitScrollArea(QScrollArea):
    """A scroll area whose page grows to the height its wrapped text needs at the current width
    (QScrollArea alone squeezes rows, clipping wrapped help and messages)."""

    def __init__(self, page: QWidget):
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWidget(page)
        page.installEventFilter(self)

    def fit(self) -> None:
        page = self.widget()
        if page is not None and page.layout() is not None and page.layout().hasHeightForWidth():
            page.setMinimumHeight(page.layout().totalHeightForWidth(self.viewport().width()))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self.fit)
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()


class ReferralWizard(QDialog):
    submitted = Signal(dict)  # the submitted document (with reference and re-referral count)

    def __init__(self, ws, doc: dict, step: str | None = None, parent: QWidget | None = None):
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
        self._save_again = False
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

    @property
    def doc(self) -> dict:
        return self.flow.doc

    # ---- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Steps")
        self.step_list.setMinimumWidth(230)
        self.step_list.setWordWrap(True)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.currentRowChanged.connect(self._step_chosen)
        self.title = make_plain(heading("", 4))
        self.stack = QStackedWidget()
        self.message = ErrorLabel()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(12, 0, 12, 0)
        centre_layout.addWidget(self.title)
        centre_layout.addWidget(self.message)
        centre_layout.addWidget(self.stack, 1)
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
        right.setMinimumWidth(240)
        splitter = QSplitter()
        splitter.addWidget(self.step_list)
        splitter.addWidget(centre)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 680, 260])
        splitter.setChildrenCollapsible(False)

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
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

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

            page.match_panel = MatchPanel(self.ws, page, save_first=self.save_now)
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

    def _extra_problems(self) -> list[tuple[str, str]]:
        """(step, message) from extra pages that report their own problems."""
        out = []
        for step in self.steps:
            if step.section is None and step.key != "review":
                out += [(step.key, str(p)) for p in step.page.problems()]
        return out

    def all_problems(self) -> list[str]:
        """Everything that blocks submission, in words that name the field."""
        self.step().page.store(self.doc)
        messages = [p.message for p in self.flow.submit_problems()]
        return messages + [m for _k, m in self._extra_problems() if m not in messages]

    def revalidate(self) -> None:
        self.step().page.store(self.doc)
        blocking = self.flow.submit_problems()
        extra = [(k, m) for k, m in self._extra_problems() if m not in {p.message for p in blocking}]
        titles = {s.key: s.title for s in self.steps}
        counts = {s.key: 0 for s in self.steps}
        self.blocking.clear()
        for p in blocking:
            key = p.section if p.section in counts else "review"
            counts[key] += 1
            item = QListWidgetItem(f"{titles.get(key, '')}: {p.message}")
            item.setData(Qt.ItemDataRole.UserRole, (key, p.path))
            self.blocking.addItem(item)
        for key, message in extra:
            counts[key] += 1
            item = QListWidgetItem(f"{titles.get(key, '')}: {message}")
            item.setData(Qt.ItemDataRole.UserRole, (key, ""))
            self.blocking.addItem(item)
        if not blocking and not extra:
            self.blocking.addItem("Nothing: the referral can be submitted.")
        for n, step in enumerate(self.steps):
            step.problems = counts[step.key]
            if step.key == "review":
                mark, words = "", ""
            elif step.problems:
                mark, words = f"! {step.problems}  ", f", {step.problems} to do"
            elif step.visited:
                mark, words = "✓  ", ", complete"
            else:
                mark, words = "    ", ""
            item = self.step_list.item(n)
            item.setText(f"{mark}{step.title}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{step.title}{words}")
        step = self.step()
        if hasattr(step.page, "show_problems"):
            inline: dict[str, str] = {}
            if step.visited and step.section is not None:
                for p in self.flow.page_problems(step.key):
                    inline.setdefault(relative_path(p.path, step.path), p.message)
            step.page.show_problems(inline)
        self.review.set_blocking([(self.blocking.item(i).text(), self.blocking.item(i).data(Qt.ItemDataRole.UserRole))
                                  for i in range(self.blocking.count())] if blocking or extra else [])
        self.submit_button.setEnabled(not self.is_submitted)

    def _jump_to_problem(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if not target:
            return
        key, path = target
        index = next(i for i, s in enumerate(self.steps) if s.key == key)
        self.steps[index].visited = True  # show the inline messages there
        if index == self.current:
            self.revalidate()
        elif not self.go_to(index, focus=False):
            return  # this page has a wrong value: go_to said so and put the cursor on it
        page = self.step().page
        if not (path and hasattr(page, "focus_path") and page.focus_path(relative_path(path, self.step().path))):
            first = getattr(page, "first_input", lambda: None)()
            (first or self.next_button).setFocus()

    # ---- saving -----------------------------------------------------------------------------------
    def _flow_saver(self, doc: dict, step_id: str) -> None:
        """The flow's save points (every page change; 30 s after an unsaved edit): written off the GUI thread."""
        self.save_draft_async(step_id, force=True)

    def _save(self, snapshot: dict, generation: int, step: str | None) -> int:
        """Runs in a worker thread (or the GUI thread on close): a newer save is never overwritten."""
        with self._save_lock:
            if generation < self._saved_generation or self.is_submitted:
                return self._saved_generation
            intake.save_draft(self.ws, snapshot, step)
            self._saved_generation = generation
            return generation

    def _snapshot(self, step_id: str | None = None) -> tuple[dict, int, str]:
        self.step().page.store(self.doc)
        return copy.deepcopy(self.doc), self._generation, step_id or self.flow.current.id

    def is_dirty(self) -> bool:
        return self._generation > self._saved_generation

    def save_draft_async(self, step_id: str | None = None, force: bool = False) -> None:
        if self.is_submitted or not (force or self.is_dirty()):
            return
        if self._saving:
            self._save_again = True
            return
        self._saving = True
        self.status.setText("Saving draft…")
        snapshot, generation, step = self._snapshot(step_id)
        operations.change(lambda: self._save(snapshot, generation, step), operations.Changes.of(operations.DRAFT),
                          self._saved, self._save_failed, parent=self)

    def save_now(self) -> None:
        """Save at once in this thread (on close, before linking a person)."""
        if self.is_submitted:
            return
        snapshot, generation, step = self._snapshot()
        self._save(snapshot, max(generation, self._saved_generation), step)
        self.flow.dirty = False
        self._show_saved()

    def _saved(self, _generation: int) -> None:
        self._saving = False
        self._show_saved()
        if self._save_again:
            self._save_again = False
            self.save_draft_async(force=True)

    def _show_saved(self) -> None:
        if not self.is_submitted:
            self.status.setText(f"Draft saved {QTime.currentTime().toString('HH:mm')}"
                                + (" (unsaved changes since)" if self.is_dirty() else ""))

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if self.is_submitted:
            return
        self.status.setText("Draft NOT saved")
        self.message.show_error(f"The draft could not be saved: {exc if isinstance(exc, TriageError) else 'error'}"
                                ". Your changes are still here; try Save draft (Ctrl+S) again.")
        if not isinstance(exc, TriageError):
            raise exc

    # ---- submit and close -------------------------------------------------------------------------
    def submit(self) -> None:
        if self.is_submitted:
            return
        problems = self.all_problems()
        if problems:
            self.revalidate()
            self.message.show_error(f"{len(problems)} thing{'s' if len(problems) != 1 else ''} still block"
                                    f"{'s' if len(problems) == 1 else ''} submission: see the list on the right.")
            self.blocking.setFocus()
            self.blocking.setCurrentRow(0)
            return
        try:
            with self._save_lock:
                result = intake.submit(self.ws, self.doc)
        except TriageError as exc:
            self.message.show_error(str(exc))
            return
        self.is_submitted = True
        self.flow.doc = result
        self.autosave_timer.stop()
        review = next(i for i, s in enumerate(self.steps) if s.key == "review")
        if review != self.current:
            self.flow.go("review")  # its save point is skipped: the referral is no longer a draft
            self._show_step(review, focus=False)
        self.review.show_submitted(result)
        for widget in (self.back_button, self.next_button, self.save_button, self.submit_button):
            widget.setEnabled(False)
        self.step_list.setEnabled(False)
        count = (result.get("links") or {}).get("re_referrals_12m") or 0
        self.status.setText(f"Submitted {result.get('reference')}" + (f" - re-referral ({count} in 12 months)"
                                                                     if count else ""))
        self.close_button.setFocus()
        self.submitted.emit(result)

    def done(self, result: int) -> None:
        """Every way of closing (Close, Escape, the window's X, the screen lock) saves the draft first."""
        if not self.is_submitted and (self.is_dirty() or self.flow.dirty):
            try:
                self.save_now()
            except TriageError as exc:
                if not getattr(self.parent(), "is_locked", lambda: False)():
                    self.message.show_error(f"The draft could not be saved ({exc}); it stays open so nothing is "
                                            "lost.")
                    return
                self.hide()  # the screen is locking: the case must not stay on screen; the edits stay in memory
                self.parent().lock_changed.connect(self._unlocked_after_failed_save)
                return
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


def start_new_referral(ws, parent: QWidget | None = None, variant: str = "child") -> ReferralWizard:
    """A new draft (saved at once) in a wizard window."""
    return _open(ReferralWizard(ws, intake.new_draft(ws, variant), None, parent))


def resume(ws, referral_id: str, parent: QWidget | None = None) -> ReferralWizard:
    """A saved draft, opened at the step it was left on."""
    doc, step = intake.resume_draft(ws, referral_id)
    return _open(ReferralWizard(ws, doc, step, parent))


def _local(moment) -> str:
    """A stored UTC time as the officer's local (Europe/London) time."""
    from datetime import UTC

    from triage_desk.referral_rows import LONDON

    if moment is None:
        return ""
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


class DraftOfferDialog(QDialog):
    """After sign-in: "You have unfinished referrals" with Resume / Later."""

    def __init__(self, drafts: list, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Unfinished referrals - Triage Desk")
        self.drafts = drafts
        self.list = QListWidget()
        self.list.setAccessibleName("Unfinished referrals")
        for d in drafts:
            when = _local(d.updated_at)
            item = QListWidgetItem(f"{d.reference}  {d.subject_name or '(no subject yet)'}  - last saved {when}")
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        text = QLabel(f"You have {len(drafts)} unfinished referral{'s' if len(drafts) != 1 else ''} (for example "
                      "after Triage Desk closed unexpectedly). Nothing was lost: choose one to carry on.")
        text.setWordWrap(True)
        text.setBuddy(self.list)
        buttons = QDialogButtonBox()
        self.resume_button = buttons.addButton("&Resume", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.resume_button.setAccessibleName("Resume the chosen referral")
        self.later_button.setAccessibleName("Later")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Unfinished referrals", 3))
        layout.addWidget(text)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(620, 320)
        self.list.setFocus()

    def chosen_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def offer_drafts(ws, parent: QWidget | None = None) -> ReferralWizard | None:
    """If the signed-in user has drafts, offer to resume one; returns the wizard opened, if any."""
    drafts = intake.list_drafts(ws, mine_only=True)
    if not drafts:
        return None
    dialog = DraftOfferDialog(drafts, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen_id() is None:
        return None
    return resume(ws, dialog.chosen_id(), parent)
