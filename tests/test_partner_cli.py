"""`triage-desk partner ...` and `triage-desk checks ...` on a closed workspace."""

from __future__ import annotations

import json

import pytest
from checks_helpers import referral

from triage_desk.cli import main


def _args(data_dir, files, user="officer", pw="user"):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files[pw]]


@pytest.fixture
def case(workspace):
    doc = referral(workspace)
    workspace.close()
    return doc


def test_partner_list_and_admin_only_set_isa(case, data_dir, secret_files, capsys):
    assert main(["partner", "list", "--json", *_args(data_dir, secret_files)]) == 0
    items = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert items["fire"]["isa_status"] == "in_discussion" and items["police"]["check_due_hours"] == 4
    assert main(["partner", "set-isa", "fire", "--status", "signed", "--date", "2026-11-01",
                 *_args(data_dir, secret_files)]) == 5  # officers may not
    assert "administrator" in capsys.readouterr().err
    assert main(["partner", "set-isa", "fire", "--status", "signed", *_args(data_dir, secret_files, "admin",
                                                                            "admin")]) == 2
    assert "isa_date" in capsys.readouterr().err
    assert main(["partner", "set-isa", "fire", "--status", "signed", "--date", "2026-11-01",
                 *_args(data_dir, secret_files, "admin", "admin")]) == 0
    assert main(["partner", "list", *_args(data_dir, secret_files)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("fire "))
    assert "Signed 2026-11-01" in line


def test_checks_request_respond_list(case, data_dir, secret_files, capsys):
    ref = case["reference"]
    assert main(["checks", "request", ref, "police", "voluntary-sector", *_args(data_dir, secret_files)]) == 2
    assert "Voluntary and community sector: no signed information-sharing agreement" in capsys.readouterr().err
    assert main(["checks", "request", ref, "police", "housing", *_args(data_dir, secret_files)]) == 0
    ids = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    assert len(ids) == 2
    assert main(["checks", "respond", ids[0], "--nothing-known", *_args(data_dir, secret_files)]) == 0
    assert main(["checks", "respond", ids[1], "--summary", "", *_args(data_dir, secret_files)]) == 2
    assert "summary" in capsys.readouterr().err
    assert main(["checks", "list", ref, "--json", *_args(data_dir, secret_files)]) == 0
    section = json.loads(capsys.readouterr().out)
    states = {c["partner_id"]: (c["status"], c["nothing_known"]) for c in section["checks"]}
    assert states == {"police": ("answered", True), "housing": ("requested", None)}
    assert main(["checks", "list", ref, *_args(data_dir, secret_files)]) == 0
    text = capsys.readouterr().out
    assert "nothing known" in text and (" left" in text or "OVERDUE by" in text)
    assert main(["checks", "cancel", ids[1], "--reason", "Asked in error", *_args(data_dir, secret_files)]) == 0
    assert main(["checks", "overdue", *_args(data_dir, secret_files)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no overdue checks"  # answered or cancelled


def test_checks_without_consent_need_a_lead(workspace, data_dir, secret_files, capsys):
    doc = referral(workspace, checks_consent="refused")
    workspace.close()
    reason = ["--lead-decision", "Would alert the adult and put the child at risk."]
    assert main(["checks", "request", doc["reference"], "police", *_args(data_dir, secret_files)]) == 2
    assert "practice lead" in capsys.readouterr().err
    assert main(["checks", "request", doc["reference"], "police", *reason, *_args(data_dir, secret_files)]) == 5
    assert main(["checks", "request", doc["reference"], "police", *reason,
                 *_args(data_dir, secret_files, "lead")]) == 0
