"""Possible existing people for the subject being typed (subjects step of the referral wizard).

The look-up waits until typing pauses (~300 ms) and runs off the GUI thread; a late answer for an
older version of the subject is dropped. Link / Not the same person go through the intake service,
which audits the choice and stores the re-referral count on the referral.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk import intake, matching
from triage_desk.errors import TriageError
from triage_desk.formatting import fmt_date
from triage_desk.referral_rows import parse_local
from triage_desk.ui import operations
from triage_desk.ui.widgets import WARNING_STYLE

DEBOUNCE_MS = 300
SEARCH_KEYS = ("surname", "forenames", "dob", "nhs_number", "address")


def recent_count(candidate: matching.Candidate, received_at: datetime) -> int:
    """The candidate's submitted referrals in the 12 months up to this referral's receipt."""
    start = matching.twelve_months_before(received_at)
    return sum(1 for r in candidate.referrals
               if r.get("status") != "draft" and (when := parse_local(r.get("received_at"))) is not None
               and start <= when <= received_at)


def _date(value: str | None) -> str:
    if not value:
        return "date of birth not known"
    try:
        return "born " + fmt_date(datetime.fromisoformat(value).date())
    except ValueError:
        return "born " + value


def describe(c: matching.Candidate, received_at: datetime) -> tuple[str, int]:
    """The candidate as plain text for the list (name, DOB, postcode, score, why, referrals)."""
    count = recent_count(c, received_at)
    lines = [f"{(c.surname or '').upper()}, {c.forenames or ''}  -  {_date(c.dob)}  -  {c.postcode or 'no postcode'}"
             f"  -  match {c.score:.0f}%",
             "Why: " + ("; ".join(c.why) or "similar details")]
    if c.nhs_number and c.nhs_number.isdigit():
        lines[0] += f"  -  NHS {c.nhs_number}"
    if c.referrals:
        shown = ", ".join(f"{r['reference']} ({_date(r['received_at'][:10]).removeprefix('born ')}, {r['status']})"
                          for r in c.referrals[:4])
        more = f" and {len(c.referrals) - 4} more" if len(c.referrals) > 4 else ""
        lines.append(f"Referrals: {shown}{more}")
    else:
        lines.append("No earlier referrals")
    lines.append(f"{count} referral{'s' if count != 1 else ''} in the last 12 months"
                 + ("  - RE-REFERRAL" if count else ""))
    return "\n".join(lines), count


class MatchPanel(QGroupBox):
    def __init__(self, ws, page, save_first: Callable[[], Callable[[], None]], parent: QWidget | None = None):
        super().__init__("Possible existing records", parent)
        self.ws, self.page, self.save_first = ws, page, save_first
        self.setAccessibleName("Possible existing records")
        self._request = 0
        self._key = None
        self.candidates: list[matching.Candidate] = []
        self.status = QLabel("Type the subject's name, date of birth or NHS number: people already known to the "
                             "front door who may be the same person will be listed here.")
        self.status.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Possible existing people")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(90)
        self.list.setMaximumHeight(180)
        self.list.currentRowChanged.connect(self._update_buttons)
        self.link_button = QPushButton("&Link: same person")
        self.link_button.setAccessibleName("Link: this is the same person")
        self.reject_button = QPushButton("N&ot the same person")
        self.reject_button.setAccessibleName("Not the same person")
        for button in (self.link_button, self.reject_button):
            button.setAutoDefault(False)
        self.link_button.clicked.connect(lambda: self._decide(True))
        self.reject_button.clicked.connect(lambda: self._decide(False))
        self.flag = QLabel()
        self.flag.setWordWrap(True)
        self.flag.setStyleSheet(WARNING_STYLE)
        self.flag.setAccessibleName("Re-referral flag")
        self.flag.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.flag)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search)
        page.changed.connect(self.schedule)
        page.current_changed.connect(self.schedule)
        self._update_buttons()
        self._show_flag()

    def received_at(self) -> datetime:
        return parse_local((self.page.doc.get("contact") or {}).get("received_at")) or datetime.now()

    def schedule(self) -> None:
        self._show_flag()
        subject = self.page.current()
        key = repr([subject.get(k) for k in SEARCH_KEYS]) + str(subject.get("id")) if subject else None
        if key != self._key:  # only identity fields start a new look-up
            self._key = key
            self.timer.start()

    def search(self) -> None:
        self._request += 1
        request = self._request
        subject = self.page.current()
        if subject is None or not any(isinstance(subject.get(k), str) and len(subject[k].strip()) >= 2
                                      for k in ("surname", "forenames", "nhs_number")):
            self._show([], request)
            return
        doc = copy.deepcopy({k: self.page.doc.get(k) for k in ("id", "subjects")})
        subject_id = subject.get("id")
        for s in doc["subjects"] or []:  # "not known" is an answer, not an identifier to match on
            if isinstance(s, dict):
                for key in ("surname", "forenames", "dob", "nhs_number"):
                    if s.get(key) in ("not_known", "not_applicable"):
                        s.pop(key)
        self.status.setText("Looking for existing records…")
        ws = self.ws
        operations.query(lambda: intake.find_matches(ws, doc, subject_id),
                         lambda found: self._show(found, request), lambda exc: self._failed(exc, request), parent=self)

    def _show(self, found: list, request: int) -> None:
        if not shiboken6.isValid(self) or request != self._request:
            return  # an answer for what was typed before: a newer look-up is on its way
        self.candidates = found
        self.list.clear()
        received = self.received_at()
        for c in found:
            text, _count = describe(c, received)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ". "))
            self.list.addItem(item)
        self.status.setText(f"{len(found)} possible existing record{'s' if len(found) != 1 else ''}: "
                            "choose one and Link if it is the same person." if found
                            else "No possible existing records for these details.")
        if found:
            self.list.setCurrentRow(0)
        self._update_buttons()

    def _failed(self, exc: BaseException, request: int) -> None:
        if not shiboken6.isValid(self):
            return  # the wizard was closed while the look-up ran
        if request == self._request:
            self.status.setText(f"The look-up failed: {exc if isinstance(exc, TriageError) else 'error'}")
        if not isinstance(exc, TriageError):
            raise exc

    def _update_buttons(self, *_args) -> None:
        chosen = 0 <= self.list.currentRow() < len(self.candidates)
        self.link_button.setEnabled(chosen)
        self.reject_button.setEnabled(chosen)

    def _decide(self, same: bool) -> None:
        row = self.list.currentRow()
        subject = self.page.current()
        if not (0 <= row < len(self.candidates)) or subject is None:
            return
        candidate = self.candidates[row]
        save = self.save_first()  # the service links people to a saved referral: the draft is written first
        ws, doc, subject_id = self.ws, copy.deepcopy(self.page.doc), subject["id"]
        action = intake.link_person if same else intake.reject_match

        def work() -> dict:
            save()
            action(ws, doc, subject_id, candidate.person_id)
            return doc.get("links") or {}

        self.link_button.setEnabled(False)
        self.reject_button.setEnabled(False)
        operations.change(work, operations.Changes.of(operations.CASE, referral_id=doc.get("id")),
                          lambda links: self._decided(candidate, same, links), self._not_decided, parent=self)

    def _decided(self, candidate: matching.Candidate, same: bool, links: dict) -> None:
        self.page.doc.setdefault("links", {}).update(links)
        if candidate in self.candidates:
            row = self.candidates.index(candidate)
            del self.candidates[row]
            self.list.takeItem(row)
        self.status.setText("Linked: the earlier referrals will show on this case." if same
                            else "Noted: not the same person; it will not be suggested again for this referral.")
        self._update_buttons()
        self._show_flag()
        self.page.changed.emit()
        (self.list if self.candidates else self.page.items).setFocus()

    def _not_decided(self, exc: BaseException) -> None:
        self._update_buttons()
        if not isinstance(exc, TriageError):
            raise exc
        self.status.setText(str(exc))

    def _show_flag(self) -> None:
        links = self.page.doc.get("links") or {} if isinstance(self.page.doc, dict) else {}
        linked = len(links.get("matched_person_ids") or [])
        count = links.get("re_referrals_12m") or 0
        if linked:
            self.flag.setText(f"Linked to {linked} known person{'s' if linked != 1 else ''}. "
                              + (f"RE-REFERRAL: {count} referral{'s' if count != 1 else ''} in the last 12 months."
                                 if count else "No referral in the last 12 months."))
        self.flag.setVisible(bool(linked))
