"""`triage-desk referral list / export / import` and `triage-desk demo`."""

from __future__ import annotations

import json

import pytest
from intake_helpers import complete, subject

from triage_desk import intake
from triage_desk.cli import main
from triage_desk.workspace import init_workspace


def _args(data_dir, files, user="officer", pw="user"):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files[pw]]


@pytest.fixture
def filled(workspace, data_dir):
    """Two submitted referrals and one draft, then the workspace is closed for the CLI."""
    docs = [intake.submit(workspace, complete(intake.new_draft(workspace), subject(surname=f"Clivale{i}"),
                                              received_at=f"2026-0{i + 1}-10T09:00")) for i in range(2)]
    draft = intake.new_draft(workspace)
    draft["subjects"] = [subject(surname="Draftonly", forenames="Ünïcødé")]
    intake.save_draft(workspace, draft, "subjects")
    workspace.close()
    return docs + [draft]


def test_list_text_and_json(filled, data_dir, secret_files, capsys):
    assert main(["referral", "list", *_args(data_dir, secret_files)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[0].startswith(filled[2]["reference"])  # newest first
    assert main(["referral", "list", "--json", "--status", "submitted", "--limit", "1",
                 *_args(data_dir, secret_files)]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["reference"] for i in items] == [filled[1]["reference"]]
    assert set(items[0]) >= {"reference", "subject", "received_at", "status"}
    assert items[0]["subject"] == "CLIVALE1, Testina" and items[0]["received_at"] == "2026-02-10T09:00"
    assert main(["referral", "list", "--limit", "0", *_args(data_dir, secret_files)]) == 2
    assert "--limit" in capsys.readouterr().err


def test_export_import_round_trip_is_byte_exact(filled, data_dir, secret_files, tmp_path, capsys):
    out_file = tmp_path / "case.json"
    for doc in filled:
        assert main(["referral", "export", doc["reference"], *_args(data_dir, secret_files)]) == 0
        printed = capsys.readouterr().out
        assert json.loads(printed) == json.loads(json.dumps(doc))
    assert main(["referral", "export", filled[2]["reference"], "--out", str(out_file),
                 *_args(data_dir, secret_files)]) == 0
    original = out_file.read_bytes()
    assert "Ünïcødé" in original.decode("utf-8")
    assert main(["referral", "export", filled[2]["reference"], "--out", str(out_file),
                 *_args(data_dir, secret_files)]) == 2  # never overwrites
    # Import into a second, separate database and export again: the same bytes.
    other = tmp_path / "other"
    ws, _ = init_workspace(other, admin_username="admin", admin_display_name="A", admin_password="admin-password-1",
                           passphrase="test passphrase 123")
    ws.close()
    assert main(["referral", "import", str(out_file), *_args(other, secret_files, "admin", "admin")]) == 0
    assert "imported" in capsys.readouterr().out
    again = tmp_path / "again.json"
    assert main(["referral", "export", filled[2]["reference"], "--out", str(again),
                 *_args(other, secret_files, "admin", "admin")]) == 0
    assert again.read_bytes() == original
    # The same document twice: nothing duplicated.
    assert main(["referral", "import", str(out_file), *_args(other, secret_files, "admin", "admin")]) == 0
    assert "already present" in capsys.readouterr().out
    assert main(["referral", "list", "--json", *_args(other, secret_files, "admin", "admin")]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


@pytest.mark.parametrize("content, path", [
    ("{not json", "line 1"),
    ("[1, 2]", "$"),
    ('{"schema": "triage-desk/referral", "id": "nope"}', "$.id"),
    ('{"schema": "triage-desk/referral", "id": "0b7c6c1e-4a0e-4d55-9a57-0f9f8f1b2c3d", '
     '"reference": "TD-2026-000001", "subjects": {}}', "$.subjects"),
    ('{"schema": "triage-desk/referral", "id": "0b7c6c1e-4a0e-4d55-9a57-0f9f8f1b2c3d", '
     '"reference": "TD-2026-000001", "subjects": [{"surname": "Secretname"}, 7]}', "$.subjects[1]"),
])
def test_malformed_import_names_the_json_path(filled, data_dir, secret_files, tmp_path, capsys, content, path):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["referral", "import", str(bad), *_args(data_dir, secret_files)]) == 2
    err = capsys.readouterr().err
    assert path in err and "Secretname" not in err


def test_import_refuses_a_changed_document_with_a_known_id(filled, data_dir, secret_files, tmp_path, capsys):
    assert main(["referral", "export", filled[0]["reference"], *_args(data_dir, secret_files)]) == 0
    doc = json.loads(capsys.readouterr().out)
    doc["concerns"]["narrative"] = "Changed synthetic narrative."
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc))
    assert main(["referral", "import", str(changed), *_args(data_dir, secret_files)]) == 2
    assert "$.id" in capsys.readouterr().err
    assert main(["referral", "import", str(tmp_path / "missing.json"), *_args(data_dir, secret_files)]) == 2


def test_demo_one_liner_initialises_an_empty_directory(tmp_path, capsys):
    target = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(target), "--referrals", "120", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "DEMO database" in out and "demo-password" in out and "Added 120 synthetic referrals" in out
    # A second run on the now-initialised directory needs an admin or lead.
    assert main(["demo", "--data-dir", str(target), "--referrals", "5"]) == 2
    pw = tmp_path / "pw.txt"
    pw.write_text("demo-password\n")
    assert main(["demo", "--data-dir", str(target), "--referrals", "5", "--user", "demo",
                 "--password-file", str(pw)]) == 0
    capsys.readouterr()
    assert main(["referral", "list", "--json", "--limit", "500", "--data-dir", str(target), "--user", "demo",
                 "--password-file", str(pw)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 125
