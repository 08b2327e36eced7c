"""Importing a verified bundle: a new case is imported whole; for a case already here every difference
(field, this workstation, bundle) gets a tick, all unticked, so nothing is overwritten unless accepted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain, note, record_table


def _label_for(plan, tokens: tuple) -> str:
    """A difference's path in words: list items by name where the bundle or this copy names them."""
    if tokens and tokens[0] == "people":  # a known person: named by the bundle subject linked to them
        pid = tokens[1][1]
        subject = next((v for v in plan.bundle_doc.get("subjects") or [] if isinstance(v, dict)
                        and plan.subject_people.get(v.get("id"), v.get("id")) == pid), None)
        who = _item_name(subject) if subject else pid[:8]
        return f"known person [{who}] › {str(tokens[-1]).replace('_', ' ')}"
    parts: list[str] = []
    nodes = [plan.bundle_doc, plan.local_doc or {}]
    for tok in tokens:
        if isinstance(tok, tuple):
            key = tok[1]
            found = None
            for i, node in enumerate(nodes):
                item = next((v for v in node if isinstance(v, dict) and v.get("id") == key), None) \
                    if isinstance(node, list) else None
                nodes[i] = item if item is not None else {}
                found = found or item
            name = _item_name(found) if found else ""
            parts[-1] = f"{parts[-1]} [{name or key[:8]}]" if parts else name or key[:8]
        else:
            nodes = [n.get(tok) if isinstance(n, dict) else None for n in nodes]
            parts.append(str(tok).replace("_", " "))
    return " › ".join(parts)


def _item_name(item: dict) -> str:
    if item.get("surname") or item.get("forenames"):
        return f"{item.get('forenames') or ''} {item.get('surname') or ''}".strip()
    return str(item.get("name") or item.get("agency") or item.get("partner") or "")


def _summary_text(plan) -> str:
    known = len(plan.people_known)
    people = (f"{known} of its people {'is' if known == 1 else 'are'} already known here and will not be "
              "duplicated. " if known else "")
    if plan.status == "new":
        text = f"This case is not on this workstation yet. {people}Import it?"
    elif plan.status == "unchanged":
        text = "This case is already here and identical to the bundle: there is nothing to import."
    else:
        text = (f"This case is already here and differs in {len(plan.differences)} "
                f"place{'s' if len(plan.differences) != 1 else ''}. Tick each change from the bundle you accept; "
                "anything left unticked keeps this workstation's value.")
    return text


class ImportDialog(QDialog):
    """New case: import it. Known case: each difference with a tick; unticked rows keep this copy's value."""

    def __init__(self, ws, plan, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.plan = ws, plan
        self.result_info = None
        self.setWindowTitle(f"Import {plan.reference}")
        self.resize(900, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Import {plan.reference}", 2))
        self.summary = make_plain(note(_summary_text(plan)))
        self.summary.setAccessibleName("What importing will do")
        layout.addWidget(self.summary)
        for line in plan.notes:
            layout.addWidget(make_plain(note(f"Note: {line}.")))
        self._build_table(plan)
        layout.addWidget(self.table, 1)
        if not plan.differences:
            layout.addStretch(1)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        layout.addLayout(self._button_row(plan))

    def _build_table(self, plan) -> None:
        """One row per difference: a tick (never ticked to start with), the field in words, both values."""
        self.table = record_table(["Accept", "Field", "This workstation", "Bundle"],
                                  "Differences between this workstation and the bundle", choose_one=False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 300)
        self.table.setRowCount(len(plan.differences))
        for r, d in enumerate(plan.differences):
            tick = QTableWidgetItem("accept")
            tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            tick.setCheckState(Qt.CheckState.Unchecked)  # never overwrite unless asked
            tick.setData(Qt.ItemDataRole.UserRole, d.path)
            if d.older:  # never rolls the case back: shown, not offered
                tick.setText("older")
                tick.setFlags(Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(r, 0, tick)
            field = QTableWidgetItem(_label_for(plan, d.tokens) + (f" ({d.note})" if d.note else ""))
            field.setToolTip(d.path)
            self.table.setItem(r, 1, field)
            for c, side in ((2, "here"), (3, "bundle")):
                text = _plain(d.shown(side))
                item = QTableWidgetItem(text if len(text) <= 300 else text[:300] + " …")
                item.setToolTip(text[:2000])
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(plan.differences))

    def _button_row(self, plan) -> QHBoxLayout:
        buttons = QDialogButtonBox()
        row_buttons = QHBoxLayout()
        self.all_button = QPushButton("Tick &all")
        self.none_button = QPushButton("Untick a&ll")
        self.all_button.clicked.connect(lambda: self.set_all(True))
        self.none_button.clicked.connect(lambda: self.set_all(False))
        if plan.differences:
            row_buttons.addWidget(self.all_button)
            row_buttons.addWidget(self.none_button)
        row_buttons.addStretch(1)
        if plan.status == "new":
            self.apply_button = buttons.addButton("&Import case", QDialogButtonBox.ButtonRole.AcceptRole)
        elif plan.status == "differs":
            self.apply_button = buttons.addButton("&Apply ticked changes", QDialogButtonBox.ButtonRole.AcceptRole)
        else:
            self.apply_button = None
        buttons.addButton(QDialogButtonBox.StandardButton.Close if self.apply_button is None
                          else QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        row_buttons.addWidget(buttons)
        return row_buttons

    def set_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).flags() & Qt.ItemFlag.ItemIsUserCheckable:  # older rows are never ticked
                self.table.item(r, 0).setCheckState(state)

    def accepted_paths(self) -> list[str]:
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]

    def apply(self) -> None:
        from triage_desk.bundle.importer import apply_import

        accept = self.accepted_paths()
        if self.plan.status == "differs" and not accept:
            self.error.show_error("No change is ticked: tick the rows to take from the bundle, or Cancel to keep "
                                  "everything as it is here.")
            return
        ws, plan = self.ws, self.plan
        operations.submit(self, self.error, lambda: lambda: apply_import(ws, plan, accept),
                          operations.Changes.of(operations.CASE), self._applied)

    def _applied(self, result) -> None:
        self.result_info = result
        kept = f" {len(result.kept)} difference{'s' if len(result.kept) != 1 else ''} kept as here." \
            if result.kept else ""
        words = {"imported": "imported", "updated": f"updated ({len(result.accepted)} change"
                 f"{'s' if len(result.accepted) != 1 else ''} from the bundle).", "unchanged": "left unchanged"}
        QMessageBox.information(self, "Import", f"{result.reference} {words[result.status]}{kept}")


def _plain(text: str) -> str:
    """JSON strings shown without their quotes; everything else as JSON."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
