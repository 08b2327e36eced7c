"""Workstation settings (administrators): the idle auto-lock time, stored through `preferences`."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QSpinBox

from triage_desk.ui import operations
from triage_desk.ui.form_dialog import Button, FormDialog
from triage_desk.ui.widgets import add_row, chain_tab_order, note


class SettingsDialog(FormDialog):
    def __init__(self, ws, parent=None):
        from triage_desk import preferences

        super().__init__("Settings - Triage Desk", parent, header="Settings", ok=Button.Save,
                         intro="These settings apply to everyone using this workstation's database. "
                               "Changes are recorded in the audit trail.")
        self.ws = ws
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(" min")
        self.idle_minutes.setAccessibleName("Idle auto-lock minutes")
        self.idle_minutes.setValue(preferences.DEFAULT_IDLE_LOCK_MINUTES)
        self._edited = False  # the stored value, read off the GUI thread, never overwrites what was typed
        self.idle_minutes.valueChanged.connect(self._mark_edited)
        add_row(self.form, "&Lock after no activity for:", self.idle_minutes)
        self.policy_note = self._policy_note(self.form)
        chain_tab_order(self.idle_minutes, self.ok_button)
        self.setMinimumWidth(420)
        operations.query(lambda: preferences.get_int(ws, preferences.IDLE_LOCK_MINUTES,
                                                     preferences.DEFAULT_IDLE_LOCK_MINUTES),
                         self._loaded, parent=self)

    def _mark_edited(self) -> None:
        self._edited = True

    def _loaded(self, minutes: int) -> None:
        if not self._edited:
            self.idle_minutes.blockSignals(True)
            self.idle_minutes.setValue(minutes)
            self.idle_minutes.blockSignals(False)

    def _policy_note(self, form: QFormLayout):
        """Fields the machine's IT policy fixes are disabled, with the reason beside them."""
        from triage_desk import policy

        fixed = policy.current()
        if fixed.locked(policy.IDLE_LOCK_MINUTES):
            self.idle_minutes.setValue(int(str(fixed.get(policy.IDLE_LOCK_MINUTES))))  # no stored value applies
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

    def _ok(self) -> None:
        self.save()

    def save(self) -> None:
        from triage_desk import preferences

        if not self.idle_minutes.isEnabled():  # fixed by IT policy: nothing here to save
            self.accept()
            return
        ws, minutes = self.ws, self.minutes()
        operations.submit(self, self.error, lambda: lambda: preferences.set_idle_lock_minutes(ws, ws.user, minutes),
                          operations.Changes.of(operations.SETTINGS))
