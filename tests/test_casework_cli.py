"""`triage-desk case / strategy / feedback` on the command line: exit codes and output."""

from __future__ import annotations

import json
import os

import pytest
from casework_helpers import decided, submitted
from checks_helpers import act_as
from test_strategy import minutes  # noqa: I001 - a sibling test module's minutes

from triage_desk import partners
from triage_desk.cli import main


def _args(data_dir, files, user="officer", pw="user"):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files[pw]]


@pytest.fixture
def cases(workspace):
    act_as(workspace, "officer")
    partners.ensure_partners(workspace)
    docs = {"decided": decided(workspace, surname="Clicase"),
            "phone": submitted(workspace, channel="phone", received_at="2026-11-20T10:00", surname="Cliphone")}
    workspace.close()
    return docs


def test_case_show_transition_and_refusals(cases, data_dir, secret_files, capsys):
    ref = cases["decided"]["reference"]
    args = _args(data_dir, secret_files)
    assert main(["case", "show", ref, "--json", *args]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["state"] == "decided" and "start_strategy" in [a["action"] for a in view["allowed"]]
    assert main(["case", "transition", ref, "reopen", "--reason", "Trying to reopen an open case.", *args]) == 2
    err = capsys.readouterr().err
    assert "allowed from here" in err and "start_strategy" in err
    assert main(["case", "transition", ref, "start_strategy", *args]) == 2  # no receiving team
    assert "receiving team: required" in capsys.readouterr().err
    assert main(["case", "transition", ref, "start_strategy", "--receiving-team", "Assessment Team", *args]) == 0
    assert "in progress: strategy discussion" in capsys.readouterr().out
    assert main(["case", "transition", ref, "approve", *args]) == 2
    assert main(["case", "show", ref, *args]) == 0
    out = capsys.readouterr().out
    assert "Strategy discussion held" in out and "Hold a strategy discussion by officer" in out


def test_strategy_record_pack_and_feedback(cases, data_dir, secret_files, tmp_path, capsys):
    ref = cases["decided"]["reference"]
    args = _args(data_dir, secret_files)
    assert main(["case", "transition", ref, "start_strategy", "--receiving-team", "Assessment Team", *args]) == 0
    path = tmp_path / "minutes.json"
    path.write_text(json.dumps({**minutes(), "decision": "maybe"}))
    assert main(["strategy", "record", ref, "--file", str(path), *args]) == 2
    assert "minutes.json $.decision: must be one of" in capsys.readouterr().err
    path.write_text(json.dumps(minutes()))
    assert main(["strategy", "record", ref, "--file", str(path), *args]) == 0
    pack = tmp_path / "fire.pdf"
    assert main(["strategy", "pack", ref, "--agency", "fire", "--out", str(pack), *args]) == 0
    assert pack.read_bytes().startswith(b"%PDF") and os.stat(pack).st_mode & 0o777 == 0o600
    assert main(["strategy", "packs", ref, "--out-dir", str(tmp_path / "none"), *args]) == 2
    assert "--out-dir" in capsys.readouterr().err
    assert main(["strategy", "packs", ref, "--out-dir", str(tmp_path), *args]) == 0
    said = capsys.readouterr().out
    assert all(f"{ref}-{agency}-pack.pdf" in said for agency in ("police", "fire", "education"))
    assert main(["strategy", "minutes", ref, "--out", str(tmp_path / "m.pdf"), "--circulated", *args]) == 0
    letter = tmp_path / "letter.pdf"
    assert main(["feedback", "send", ref, "--method", "email", "--out", str(letter), *args]) == 0
    assert "told the outcome by email" in capsys.readouterr().out and letter.exists()
    with pytest.raises(SystemExit) as bad:  # argparse refuses an unknown method (exit 2, usage printed)
        main(["feedback", "send", ref, "--method", "pigeon", *args])
    assert bad.value.code == 2


def test_deadlines_overdue_and_phone_confirmation(cases, data_dir, secret_files, capsys):
    args = _args(data_dir, secret_files)
    phone = cases["phone"]["reference"]
    assert main(["case", "deadlines", "--overdue", "--json", *args]) == 0
    items = json.loads(capsys.readouterr().out)
    assert {"decision", "rag", "phone_confirmation"} <= {i["kind"] for i in items if i["reference"] == phone}
    assert main(["case", "deadlines", "--kind", "nonsense", *args]) == 2
    rag = next(i for i in items if i["reference"] == phone and i["kind"] == "rag")
    assert main(["case", "cancel-deadline", str(rag["id"]), "--reason", "x", *args]) == 2
    assert main(["case", "cancel-deadline", str(rag["id"]), "--reason", "Decided by phone with the lead.", *args]) == 0
    assert "RAG priority response: cancelled" in capsys.readouterr().out
    assert main(["case", "confirm", phone, "--received-at", "2026-11-20T12:00", "--how", "email", *args]) == 0
    assert "written confirmation recorded" in capsys.readouterr().out
    assert main(["case", "deadlines", "--overdue", "--kind", "phone_confirmation", "--json", *args]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_admin_cannot_move_a_case(cases, data_dir, secret_files, capsys):
    ref = cases["decided"]["reference"]
    assert main(["case", "transition", ref, "start_assessment", "--receiving-team", "Team A",
                 *_args(data_dir, secret_files, "admin", "admin")]) == 5
