"""Workstation settings (administrators): the idle auto-lock time, stored through `preferences`."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QVBoxLayout

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, add_row, chain_tab_order, heading, note


class SettingsDialog(QDialog):
    def __init__(self, ws, parent=None):
        from triage_desk import preferences

        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Settings - Triage Desk")
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(" min")
        self.idle_minutes.setAccessibleName("Idle auto-lock minutes")
        self.idle_minutes.setValue(preferences.get_int(ws, preferences.IDLE_LOCK_MINUTES,
                                                       preferences.DEFAULT_IDLE_LOCK_MINUTES))
        form = QFormLayout()
        add_row(form, "&Lock after no activity for:", self.idle_minutes)
        self.policy_note = self._policy_note(form)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addWidget(heading("Settings", 2))
        layout.addWidget(note("These settings apply to everyone using this workstation's database. "
                              "Changes are recorded in the audit trail."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        chain_tab_order(self.idle_minutes, self.buttons.button(QDialogButtonBox.StandardButton.Save))
        self.setMinimumWidth(420)

    def _policy_note(self, form: QFormLayout):
        """Fields the machine's IT policy fixes are disabled, with the reason beside them."""
        from triage_desk import policy

        fixed = policy.current()
        if fixed.locked(policy.IDLE_LOCK_MINUTES):
            self.idle_minutes.setEnabled(False)
            self.idle_minutes.setToolTip(fixed.note(policy.IDLE_LOCK_MINUTES))
        lines = [f"{policy.LABELS[k][:1].upper()}{policy.LABELS[k][1:]}: set by your IT department."
                 for k in policy.KEYS if fixed.locked(k)]
        prefix = f"policy file {fixed.path}: "
        lines += [f"Problem in the policy file: {p.removeprefix(prefix)}" for p in fixed.problems]
        if not lines:
            return None
        label = note("\n".join(lines) + f"\n(Policy file {fixed.path}.)")
        label.setObjectName("policy_note")
        form.addRow(label)
        return label

    def minutes(self) -> int:
        return self.idle_minutes.value()

    def save(self) -> None:
        from triage_desk import preferences

        if not self.idle_minutes.isEnabled():  # fixed by IT policy: nothing here to save
            self.accept()
            return
        ws, minutes = self.ws, self.minutes()
        operations.submit(self, self.error, lambda: lambda: preferences.set_idle_lock_minutes(ws, ws.user, minutes),
                          operations.Changes.of(operations.SETTINGS))
