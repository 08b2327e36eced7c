"""What a user sees of the IT policy: locked settings disabled with the reason, no unencrypted export choice."""

from __future__ import annotations

from triage_desk import policy, preferences


def _policy(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    monkeypatch.setenv(policy.POLICY_ENV, str(path))


def test_settings_dialog_disables_fields_set_by_policy(qtbot, workspace, tmp_path, monkeypatch):
    from triage_desk.ui.settings_dialog import SettingsDialog

    preferences.set_idle_lock_minutes(workspace, workspace.user, 12)
    _policy(tmp_path, monkeypatch, 'idle_lock_minutes = 3\nbank_holiday_region = "scotland"\n')
    dialog = SettingsDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.idle_minutes.isEnabled() and dialog.idle_minutes.value() == 3
    assert dialog.policy_note is not None and dialog.policy_note.isVisible()
    text = dialog.policy_note.text()
    assert "Idle auto-lock: set by your IT department" in text and "Bank-holiday region" in text
    assert dialog.idle_minutes.toolTip().startswith("Set by your IT department")
    dialog.save()  # nothing to save: closes without an error, the user's stored value is untouched
    assert dialog.result() == dialog.DialogCode.Accepted
    monkeypatch.setenv(policy.POLICY_ENV, str(tmp_path / "none.toml"))
    assert preferences.get_int(workspace, preferences.IDLE_LOCK_MINUTES, 5) == 12


def test_settings_dialog_without_policy_is_editable(qtbot, workspace):
    from triage_desk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(workspace)
    qtbot.addWidget(dialog)
    assert dialog.idle_minutes.isEnabled() and dialog.policy_note is None


def test_export_dialog_offers_no_unencrypted_choice_when_policy_forbids(qtbot, workspace, tmp_path, monkeypatch):
    from triage_desk.ui.export_dialog import ExportDialog

    dialog = ExportDialog(workspace, "TD-2026-000001")
    qtbot.addWidget(dialog)
    assert dialog.mode_none.isEnabled()
    _policy(tmp_path, monkeypatch, "allow_unencrypted_export = false\n")
    dialog = ExportDialog(workspace, "TD-2026-000001")
    qtbot.addWidget(dialog)
    assert not dialog.mode_none.isEnabled()
