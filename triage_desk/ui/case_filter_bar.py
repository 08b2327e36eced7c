"""The filter bar above the case list: search (debounced), status, RAG, referrer agency, the three "only"
boxes, the sort order, and the loading and count labels. It knows nothing of the store: it says when the
filters or the sort changed and hands out a `CaseFilters`."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from triage_desk import deadlines
from triage_desk.caselist import CaseFilters
from triage_desk.ui.case_list_model import RAG_LABELS, STATUS_LABELS
from triage_desk.ui.widgets import shrinkable

SEARCH_DEBOUNCE_MS = 300
STATUS_CHOICES = (("Any status", ()), ("Open (draft or awaiting decision)", ("draft", "submitted")),
                  *((label, (key,)) for key, label in STATUS_LABELS.items()))
SORT_CHOICES = (("Newest first", "received", True), ("Oldest first", "received", False),
                ("Due soonest", "due", False), ("Due latest", "due", True),
                ("Reference A–Z", "reference", False), ("Reference Z–A", "reference", True),
                ("Subject A–Z", "subject", False), ("Subject Z–A", "subject", True))


def combo(name: str, items: list) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for label, value in items:
        box.addItem(label, value)
    shrinkable(box, characters=10)
    return box


def buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class CaseFilterBar(QWidget):
    filters_changed = Signal()  # at once for boxes, after a pause for typed search text
    sort_chosen = Signal(str, bool)  # (sort key, descending) picked in the sort box

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._make_inputs()
        self._wire()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._first_row())
        layout.addLayout(self._second_row())

    def _make_inputs(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name or reference")
        self.search.setAccessibleName("Search cases by subject name or reference")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.status = combo("Status filter", list(STATUS_CHOICES))
        self.rag = combo("RAG filter", [("Any RAG", ())] + [(label, (k,)) for k, label in RAG_LABELS.items()])
        self.agency = combo("Referrer agency filter", [("Any agency", None)])
        self.sort = combo("Sort order", [(label, (key, desc)) for label, key, desc in SORT_CHOICES])
        self.deadline_kind = combo("Deadline kind filter", [("Any deadline", None)] + [
            (label, kind) for kind, label in deadlines.KINDS.items()])  # cases with an open deadline of this kind
        self.overdue = QCheckBox("O&verdue only")
        self.approval = QCheckBox("Awaiting a&pproval")
        self.checks = QCheckBox("Checks o&utstanding")
        for box, name in ((self.overdue, "Show only cases with a deadline overdue"),
                          (self.approval, "Show only decisions awaiting a practice lead"),
                          (self.checks, "Show only cases with agency checks outstanding")):
            box.setAccessibleName(name)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Number of cases")
        self.count_label.setMinimumWidth(110)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.loading_label = QLabel("")
        self.loading_label.setAccessibleName("Loading state")

    def _wire(self) -> None:
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self.debounce.timeout.connect(self.filters_changed)
        self.search.textChanged.connect(lambda _t: self.debounce.start())
        self.search.returnPressed.connect(self.filters_changed)
        for box in (self.overdue, self.approval, self.checks):
            box.toggled.connect(self.filters_changed)
        for box in (self.status, self.rag, self.agency, self.deadline_kind):
            box.currentIndexChanged.connect(self.filters_changed)
        self.sort.currentIndexChanged.connect(lambda _i: self.sort_chosen.emit(*self.sort.currentData()))

    def _first_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(buddy("&Search:", self.search))
        row.addWidget(self.search, 2)
        for label_text, box in (("S&tatus:", self.status), ("&RAG:", self.rag), ("A&gency:", self.agency)):
            row.addWidget(buddy(label_text, box))
            row.addWidget(box, 1)
        return row

    def _second_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(buddy("&Deadline:", self.deadline_kind))
        row.addWidget(self.deadline_kind)
        for box in (self.overdue, self.approval, self.checks):
            row.addWidget(box)
        row.addStretch(1)
        row.addWidget(buddy("S&ort:", self.sort))
        row.addWidget(self.sort)
        row.addWidget(self.loading_label)
        row.addWidget(self.count_label)
        return row

    def tab_chain(self) -> list[QWidget]:
        return [self.search, self.status, self.rag, self.agency, self.deadline_kind, self.overdue, self.approval,
                self.checks, self.sort]

    def filters(self) -> CaseFilters:
        return CaseFilters(status=tuple(self.status.currentData() or ()), rag=tuple(self.rag.currentData() or ()),
                           text=self.search.text().strip(), agency=self.agency.currentData(),
                           overdue=self.overdue.isChecked(), deadline_kind=self.deadline_kind.currentData(),
                           awaiting_approval=self.approval.isChecked(),
                           checks_outstanding=self.checks.isChecked())

    def add_agencies(self, names: list[str]) -> None:
        """Agencies seen in the store join the list; the current choice stays, and no filter change fires."""
        current = self.agency.currentData()
        self.agency.blockSignals(True)
        for name in names:
            if self.agency.findData(name) < 0:
                self.agency.addItem(name, name)
        self.agency.setCurrentIndex(max(0, self.agency.findData(current)))
        self.agency.blockSignals(False)

    def show_sort(self, key: str, descending: bool) -> None:
        """Agree with a sort chosen elsewhere (a column header), without firing sort_chosen."""
        for i in range(self.sort.count()):
            if tuple(self.sort.itemData(i)) == (key, descending):
                self.sort.blockSignals(True)
                self.sort.setCurrentIndex(i)
                self.sort.blockSignals(False)
