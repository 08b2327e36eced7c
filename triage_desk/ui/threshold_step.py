"""Wizard step: continuum-of-need indicators grouped by domain, with the suggested level live.

Ticking an indicator re-runs `threshold.evaluate` on the document, so the level, the domain levels
and the reasons shown here are exactly what the CLI, the PDF and the decision record show.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import InputError
from triage_desk.forms import labels
from triage_desk.forms.threshold import default_context, evaluate
from triage_desk.ui.widgets import heading, make_plain, note
from triage_desk.ui.window_state import remembered_split

ID_ROLE = Qt.ItemDataRole.UserRole


def population(doc: dict) -> str:
    return "adult" if doc.get("variant") == "adult" else "child"


def _kind(doc: dict) -> str:
    if population(doc) == "adult":
        return "adult"
    kinds = {s.get("kind", "child") for s in doc.get("subjects") or [] if isinstance(s, dict)}
    return "unborn" if kinds == {"unborn"} else "child"


def assess_draft(doc: dict) -> dict:
    """The engine result for a draft: the whole document when it can be read, else its threshold facts
    alone (a draft may not have its subjects or dates yet). Raises InputError for bad threshold data."""
    try:
        return evaluate(doc)
    except InputError:
        facts: dict = {"subject": {"kind": _kind(doc)},
                       "indicators": list((doc.get("concerns") or {}).get("indicators") or [])}
        for key in ("dash", "s42"):
            if doc.get(key):
                facts[key] = doc[key]
        received = (doc.get("contact") or {}).get("received_at")
        if isinstance(received, str) and len(received) >= 16:
            facts["received_at"] = received[:16]
        try:
            return evaluate(facts)
        except InputError:
            facts.pop("received_at", None)
            return evaluate(facts)


def level_text(pop: str, level: int) -> str:
    return f"Level {level} – {default_context().catalogue.level_label(pop, level)}"


class ThresholdStep(QWidget):
    TITLE = "Threshold (continuum of need)"
    changed = Signal()

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.doc: dict = {}
        self.result: dict | None = None
        self.error: str | None = None
        self._population = ""
        self._loading = False
        self.catalogue = default_context().catalogue

        # One column (the wizard's centre is narrow): the result on top, where it is seen as boxes are
        # ticked; the tree; the reasons below it, the split between them adjustable.
        split = remembered_split(ws, "threshold_step", [self._indicator_pane(), self._reasons_pane()], [3, 1],
                                 vertical=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self._summary())
        layout.addWidget(split, 1)
        self.setMinimumHeight(620)
        QWidget.setTabOrder(self.search, self.tree)
        QWidget.setTabOrder(self.tree, self.reasons)

    def _indicator_pane(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type words from an indicator, or its id")
        self.search.setAccessibleName("Search indicators")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Indicators by domain (Space ticks or unticks)")
        self.tree.setHeaderLabels(["Indicator (⚠ = hard trigger)", "Level"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setUniformRowHeights(True)
        self.tree.itemChanged.connect(self._ticked)
        # currentChanged with model indexes: the item-based signal passes None, which PySide6
        # mis-counts (interpreter crash at exit)
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._show_help(self.tree.currentItem()))
        tree_label = QLabel("&Indicators (tick every one that applies; Space ticks):")
        tree_label.setBuddy(self.tree)
        self.help = make_plain(QLabel(" "), selectable=True)
        self.help.setWordWrap(True)
        self.help.setAccessibleName("Help for the selected indicator")
        self.help.setMinimumHeight(48)
        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        tv.addLayout(row)
        tv.addWidget(tree_label)
        tv.addWidget(self.tree, 1)
        tv.addWidget(self.help)
        return top

    def _summary(self) -> QWidget:
        self.level = make_plain(heading("", 3), selectable=True)
        self.level.setWordWrap(True)
        self.level.setAccessibleName("Suggested level")
        self.triggers = make_plain(QLabel(""))
        self.triggers.setWordWrap(True)
        self.domains = make_plain(QLabel(""), selectable=True)
        self.domains.setWordWrap(True)
        self.domains.setAccessibleName("Domain levels")
        summary = QWidget()
        sv = QVBoxLayout(summary)
        sv.setContentsMargins(0, 0, 0, 0)
        sv.addWidget(self.level)
        sv.addWidget(self.domains)
        sv.addWidget(self.triggers)
        return summary

    def _reasons_pane(self) -> QWidget:
        self.reasons = QListWidget()
        self.reasons.setAccessibleName("Reasons for the suggested level")
        self.reasons.setWordWrap(True)
        reasons_label = QLabel("&Reasons:")
        reasons_label.setBuddy(self.reasons)
        bottom = QWidget()
        bv = QVBoxLayout(bottom)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addWidget(reasons_label)
        bv.addWidget(self.reasons, 1)
        bv.addWidget(note("The officer's final decision, and any override, is made on the outcome step."))
        return bottom

    # ---- contract --------------------------------------------------------------------------------
    def first_input(self) -> QWidget:
        return self.search

    def load(self, doc: dict) -> None:
        self.doc = doc
        pop = population(doc)
        if pop != self._population:
            self._build_tree(pop)
        chosen = set((doc.get("concerns") or {}).get("indicators") or [])
        self._loading = True
        for item in self._indicator_items():
            item.setCheckState(0, Qt.CheckState.Checked if item.data(0, ID_ROLE) in chosen
                               else Qt.CheckState.Unchecked)
        self._loading = False
        self._update_domain_titles()
        self.refresh()

    def store(self, doc: dict) -> None:
        doc.setdefault("concerns", {})
        if not isinstance(doc["concerns"], dict):
            doc["concerns"] = {}
        doc["concerns"]["indicators"] = self.chosen()

    def problems(self) -> list[str]:
        return [f"threshold: {self.error}"] if self.error else []

    # ---- behaviour -------------------------------------------------------------------------------
    def chosen(self) -> list[str]:
        return [i.data(0, ID_ROLE) for i in self._indicator_items() if i.checkState(0) == Qt.CheckState.Checked]

    def set_checked(self, indicator_id: str, checked: bool = True) -> None:
        """Tick or untick one indicator (as Space does on the selected row)."""
        for item in self._indicator_items():
            if item.data(0, ID_ROLE) == indicator_id:
                item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(indicator_id)

    def refresh(self) -> None:
        doc = copy.deepcopy(self.doc)
        self.store(doc)
        try:
            self.result, self.error = assess_draft(doc), None
        except InputError as exc:
            self.result, self.error = None, str(exc)
        self._show_result()

    def _build_tree(self, pop: str) -> None:
        self._population = pop
        self._loading = True
        self.tree.clear()
        trigger_names = default_context().rules["triggers"]
        for domain, indicators in self.catalogue.by_domain(pop).items():
            if not indicators:
                continue
            top = QTreeWidgetItem([self.catalogue.domain_label(domain), ""])
            top.setData(0, ID_ROLE, "")  # never store None: PySide6 hands it back without a reference
            top.setData(1, ID_ROLE, domain)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for ind in indicators:
                trigger = f"  ⚠ hard trigger: {trigger_names.get(ind.trigger, ind.trigger)}" if ind.trigger else ""
                child = QTreeWidgetItem([ind.label + trigger, f"L{ind.level}"])
                child.setData(0, ID_ROLE, ind.id)
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                               | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(0, Qt.CheckState.Unchecked)
                tip = f"Level {ind.level} · {ind.subject.replace('_', '/')}\n{ind.help}"
                if ind.trigger:
                    tip += f"\nHard trigger: {trigger_names.get(ind.trigger, ind.trigger)}"
                for col in range(2):
                    child.setToolTip(col, tip)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self._loading = False
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def _indicator_items(self):
        for n in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(n)
            for k in range(top.childCount()):
                yield top.child(k)

    def _ticked(self, item: QTreeWidgetItem, column: int) -> None:
        if self._loading or column != 0 or not item.data(0, ID_ROLE):
            return
        self._update_domain_titles()
        self.refresh()
        self.changed.emit()

    def _update_domain_titles(self) -> None:
        self._loading = True
        for n in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(n)
            ticked = sum(top.child(k).checkState(0) == Qt.CheckState.Checked for k in range(top.childCount()))
            name = self.catalogue.domain_label(top.data(1, ID_ROLE))
            top.setText(0, f"{name}  ({ticked} ticked)" if ticked else name)
        self._loading = False

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for n in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(n)
            shown = 0
            for k in range(top.childCount()):
                child = top.child(k)
                hay = f"{child.data(0, ID_ROLE)} {child.text(0)}".lower()
                hide = bool(words) and not all(w in hay for w in words)
                child.setHidden(hide)
                shown += not hide
            top.setHidden(shown == 0)
        if words:
            self.tree.expandAll()

    def _show_help(self, item: QTreeWidgetItem | None) -> None:
        iid = item.data(0, ID_ROLE) if item is not None else None
        ind = self.catalogue.get(iid) if iid else None
        if ind is None:
            self.help.setText("Select an indicator to see what it means." if item is None
                              else f"{item.text(0)}: choose the indicators that apply below.")
            return
        text = f"{ind.label} (level {ind.level}): {ind.help}"
        if ind.trigger:
            text += " HARD TRIGGER: consider a strategy discussion."
        self.help.setText(text)

    def _show_result(self) -> None:
        self.reasons.clear()
        r = self.result
        if r is None:
            self.level.setText("Cannot assess yet")
            self.domains.setText(self.error or "")
            self.triggers.setText("")
            return
        self.level.setText(level_text(r["population"], r["suggested_level"]))
        names = self.catalogue.domain_label
        self.domains.setText("Domain levels: " + (", ".join(f"{names(d)} {lv}" for d, lv in r["domain_levels"].items())
                                                  or "none ticked"))
        self.triggers.setText(("⚠ Hard trigger – consider a strategy discussion: "
                               + ", ".join(t.replace("_", " ") for t in r["triggers"])) if r["triggers"] else "")
        self.triggers.setVisible(bool(r["triggers"]))
        self.reasons.addItems([labels.reason_text(reason) for reason in r["reasons"]])
