"""The machine-wide IT policy file: precedence (policy > user setting > default) and broken files."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from bundle_helpers import decided_case, export_to, sign_in

from triage_desk import policy, preferences
from triage_desk.errors import PermissionDenied
from triage_desk.paths import resolve_data_dir


@pytest.fixture
def policy_file(tmp_path, monkeypatch):
    """Write a policy file and point the app at it; returns the writer."""
    path = tmp_path / "etc" / "policy.toml"
    path.parent.mkdir()
    monkeypatch.setenv(policy.POLICY_ENV, str(path))

    def write(text: str | bytes) -> Path:
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    return write


def test_idle_lock_precedence_policy_over_user_over_default(workspace, policy_file, tmp_path, monkeypatch):
    key = preferences.IDLE_LOCK_MINUTES
    assert preferences.get_int(workspace, key, 5) == 5
    assert preferences.source_of(workspace, key) == "default"
    preferences.set_idle_lock_minutes(workspace, workspace.user, 12)
    assert preferences.get_int(workspace, key, 5) == 12
    assert preferences.source_of(workspace, key) == "user"

    path = policy_file("idle_lock_minutes = 3\n")
    assert preferences.get_int(workspace, key, 5) == 3
    assert preferences.source_of(workspace, key) == "policy"
    with pytest.raises(PermissionDenied) as err:
        preferences.set_idle_lock_minutes(workspace, workspace.user, 30)
    assert "IT department" in str(err.value) and str(path) in str(err.value)
    assert preferences.get_int(workspace, key, 5) == 3

    monkeypatch.setenv(policy.POLICY_ENV, str(tmp_path / "gone.toml"))  # policy withdrawn: the user's value is back
    assert preferences.get_int(workspace, key, 5) == 12


def test_team_profile_is_carried_and_fixed_by_policy(workspace, policy_file):
    preferences.set_value(workspace, workspace.user, preferences.TEAM_SERVER_PROFILE, "my-team")
    assert preferences.get_value(workspace, preferences.TEAM_SERVER_PROFILE) == "my-team"
    policy_file('team_server_profile = "north-mash"\n')
    assert preferences.get_value(workspace, preferences.TEAM_SERVER_PROFILE) == "north-mash"
    assert preferences.locked_by_policy(preferences.TEAM_SERVER_PROFILE)


@pytest.mark.parametrize("text, key", [
    (b"idle_lock_minutes = = 3\n", None),               # not TOML at all
    (b"\xff\xfe garbage", None),                        # not text
    ('idle_lock_minutes = "ten"\n', "idle_lock_minutes"),
    ('idle_lock_minutes = 0\n', "idle_lock_minutes"),
    ('bank_holiday_region = "wales"\n', "bank_holiday_region"),
    ('allow_unencrypted_export = "no"\n', "allow_unencrypted_export"),
    ('council_logo = "/nonexistent/logo.png"\n', "council_logo"),
    ('data_directory = "relative/dir"\n', "data_directory"),
    ('idle_lock_mins = 3\n', "idle_lock_mins"),
])
def test_a_malformed_policy_names_file_and_key_and_falls_back_safely(workspace, policy_file, caplog, text, key):
    preferences.set_idle_lock_minutes(workspace, workspace.user, 12)
    path = policy_file(text)
    with caplog.at_level(logging.WARNING, logger="triage_desk.policy"):
        fixed = policy.current()
        assert preferences.get_int(workspace, preferences.IDLE_LOCK_MINUTES, 5) == 12  # the user's value stands
    assert len(fixed.problems) == 1
    message = fixed.problems[0]
    assert str(path) in message
    if key:
        assert repr(key) in message
    assert message in caplog.text  # said where IT will see it (stderr/log), not swallowed
    assert not fixed.locked(policy.IDLE_LOCK_MINUTES)
    # Whatever else went wrong, a broken file never allows unencrypted exports by accident.
    if key in (None, "allow_unencrypted_export"):
        assert not fixed.unencrypted_export_allowed
    else:
        assert fixed.unencrypted_export_allowed


def test_a_policy_that_is_a_folder_is_reported_not_raised(tmp_path, monkeypatch):
    (tmp_path / "policy.toml").mkdir()
    monkeypatch.setenv(policy.POLICY_ENV, str(tmp_path / "policy.toml"))
    fixed = policy.current()
    assert fixed.problems and "cannot be read" in fixed.problems[0]
    assert not fixed.unencrypted_export_allowed


def test_no_policy_file_locks_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(policy.POLICY_ENV, str(tmp_path / "none.toml"))
    fixed = policy.current()
    assert not fixed.present and not fixed.values and not fixed.problems
    assert fixed.unencrypted_export_allowed


def test_data_directory_from_policy_wins_over_data_dir_and_env(policy_file, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DESK_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(str(tmp_path / "arg")) == (tmp_path / "arg").resolve()
    assert resolve_data_dir(None) == (tmp_path / "env").resolve()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    policy_file('data_directory = "~/Council/TriageDesk"\n')
    expected = (tmp_path / "home" / "Council" / "TriageDesk").resolve()
    assert resolve_data_dir(None) == expected
    assert resolve_data_dir(str(tmp_path / "arg")) == expected


def test_bank_holiday_region_from_policy_changes_working_days(policy_file):
    from triage_desk.forms.clock import WorkingCalendar
    from triage_desk.forms.threshold import default_context

    rules = default_context().rules
    st_andrews = date(2026, 11, 30)  # a Monday: a bank holiday in Scotland only
    assert st_andrews not in WorkingCalendar.from_rules(rules).bank_holidays(2026)
    policy_file('bank_holiday_region = "scotland"\n')
    assert st_andrews in WorkingCalendar.from_rules(rules).bank_holidays(2026)
    policy_file('bank_holiday_region = "northern-ireland"\n')
    assert date(2026, 7, 13) in WorkingCalendar.from_rules(rules).bank_holidays(2026)  # Battle of the Boyne (obs.)


def test_unencrypted_export_refused_by_policy_in_the_service(workspace, policy_file, tmp_path):
    sign_in(workspace)
    doc = decided_case(workspace)
    policy_file("allow_unencrypted_export = false\n")
    with pytest.raises(PermissionDenied) as err:
        export_to(workspace, doc["reference"], tmp_path / "case.tdcase", unencrypted=True)
    assert "IT department" in str(err.value)
    assert not (tmp_path / "case.tdcase").exists()
    # Encrypted exports are unaffected.
    export_to(workspace, doc["reference"], tmp_path / "case.tdcase", passphrase="bundle passphrase 1")
    assert (tmp_path / "case.tdcase").exists()


def test_unencrypted_export_refused_by_policy_on_the_command_line(workspace, policy_file, secret_files, tmp_path,
                                                                   capsys):
    from triage_desk.cli import main

    sign_in(workspace)
    doc = decided_case(workspace)
    workspace.close()
    policy_file("allow_unencrypted_export = false\n")
    code = main(["export", doc["reference"], "--out", str(tmp_path / "c.tdcase"), "--unencrypted",
                 "--data-dir", str(workspace.data_dir), "--passphrase-file", secret_files["passphrase"],
                 "--user", "officer", "--password-file", secret_files["user"]])
    assert code == 5
    assert "IT department" in capsys.readouterr().err
    assert not (tmp_path / "c.tdcase").exists()


def test_council_name_and_logo_on_the_summary_pdf(policy_file, tmp_path):
    import pypdfium2

    from triage_desk.forms.document import new_document
    from triage_desk.paths import resource_path
    from triage_desk.reports.summary_pdf import render_summary

    def render() -> pypdfium2.PdfDocument:
        doc = {**new_document("child"), "reference": "TD-2026-000001"}
        from datetime import datetime
        return pypdfium2.PdfDocument(render_summary(doc, generated_by="Test Officer",
                                                    generated_at=datetime(2026, 11, 2, 10), audit_head="0" * 64))

    def images(pdf) -> int:
        return sum(1 for obj in pdf[0].get_objects() if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE)

    plain = render()
    assert "Fairshire" not in plain[0].get_textpage().get_text_range()
    before = images(plain)
    logo = resource_path("icons", "triage-desk.png")
    policy_file(f'council_name = "Fairshire County Council"\ncouncil_logo = "{logo}"\n')
    branded = render()
    for index in range(len(branded)):
        assert "Fairshire County Council" in branded[index].get_textpage().get_text_range()
    assert images(branded) == before + 1
