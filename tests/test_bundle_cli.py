"""The bundle command-line contract: export, verify (exit codes), trust, import-bundle. No stdin waits."""

from __future__ import annotations

import pytest
from bundle_helpers import decided_case, new_identity, second_workstation, sign_in

from triage_desk.cli import main


@pytest.fixture
def case(workspace):
    """One decided case; the workspace is then closed so the CLI can open it."""
    sign_in(workspace)
    doc = decided_case(workspace)
    workspace.close()
    return doc


@pytest.fixture
def keys(tmp_path):
    ident = new_identity()
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(f"# created: synthetic test key\n# public key: {ident.to_public()}\n{ident}\n")
    return ident, str(keyfile)


@pytest.fixture
def laptop(tmp_path):
    """A second database (closed) and the secret files to open it as its admin."""
    ws = second_workstation(tmp_path / "laptop")
    ws.close()
    (tmp_path / "lp.txt").write_text("laptop passphrase 123\n")
    (tmp_path / "lpw.txt").write_text("laptop-password-1\n")
    return ["--data-dir", str(tmp_path / "laptop"), "--passphrase-file", str(tmp_path / "lp.txt")], \
        ["--user", "leadadmin", "--password-file", str(tmp_path / "lpw.txt")]


def _db(data_dir, files):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"]]


def _officer(files):
    return ["--user", "officer", "--password-file", files["user"]]


def _export(case, data_dir, files, out, *enc):
    return main(["export", case["reference"], "--out", str(out), *enc, *_officer(files), *_db(data_dir, files)])


def test_export_then_verify_prints_signer_fingerprint_time_case_members_and_trust(case, data_dir, secret_files, keys,
                                                                                 tmp_path, capsys):
    ident, keyfile = keys
    out = tmp_path / "case.tdcase"
    assert _export(case, data_dir, secret_files, out, "--recipient", str(ident.to_public())) == 0
    said = capsys.readouterr().out
    assert case["reference"] in said and "fingerprint" in said
    assert main(["verify", str(out), "--identity", keyfile, *_db(data_dir, secret_files)]) == 0
    report = capsys.readouterr().out
    for text in ("Test Officer", "fingerprint:", "signed at:", case["reference"], "signature:    valid",
                 "ok   case.json", "ok   summary.pdf", "ok   audit.jsonl", "trusted:      yes"):
        assert text in report


def test_verify_exit_codes_untrusted_damaged_and_wrong_key(case, data_dir, secret_files, keys, laptop, tmp_path,
                                                           capsys):
    ident, keyfile = keys
    out = tmp_path / "case.tdcase"
    _export(case, data_dir, secret_files, out, "--recipient", str(ident.to_public()))
    laptop_db, _ = laptop
    assert main(["verify", str(out), "--identity", keyfile, *laptop_db]) == 1
    assert "not trusted" in capsys.readouterr().out
    other = tmp_path / "other.txt"
    other.write_text(f"{new_identity()}\n")
    assert main(["verify", str(out), "--identity", str(other), *laptop_db]) == 3
    assert "cannot decrypt" in capsys.readouterr().err
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad = tmp_path / "bad.tdcase"
    bad.write_bytes(bytes(data))
    assert main(["verify", str(bad), "--identity", keyfile, *laptop_db]) == 2
    assert "damaged" in capsys.readouterr().err


def test_trust_add_list_remove(case, data_dir, secret_files, keys, laptop, tmp_path, capsys):
    import json

    ident, keyfile = keys
    out = tmp_path / "case.tdcase"
    _export(case, data_dir, secret_files, out, "--recipient", str(ident.to_public()))
    capsys.readouterr()
    assert main(["trust", "key", "officer", *_db(data_dir, secret_files)]) == 0
    printed = capsys.readouterr().out
    assert "BEGIN PUBLIC KEY" in printed
    fp = printed.split("fingerprint:")[1].strip()
    laptop_db, admin = laptop
    assert main(["trust", "add", "--bundle", str(out), "--identity", keyfile, "--fingerprint", "ab" * 32,
                 *admin, *laptop_db]) == 2
    assert "does not match" in capsys.readouterr().err
    assert main(["trust", "add", "--bundle", str(out), "--identity", keyfile, "--fingerprint", fp,
                 *admin, *laptop_db]) == 0
    assert main(["verify", str(out), "--identity", keyfile, *laptop_db]) == 0
    capsys.readouterr()
    assert main(["trust", "list", "--json", *laptop_db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["source"] for s in listed if s["fingerprint"] == fp.replace(" ", "")] == ["trust list"]
    assert [s["role"] for s in listed if s["fingerprint"] == fp.replace(" ", "")] == [None]
    # Marked as a practice lead (confirmed with their organisation): their countersigned approvals count here.
    assert main(["trust", "add", "--bundle", str(out), "--identity", keyfile, "--fingerprint", fp, "--practice-lead",
                 *admin, *laptop_db]) == 0
    assert "as a practice lead" in capsys.readouterr().out
    assert main(["trust", "list", *laptop_db]) == 0
    assert "[practice lead: approvals accepted]" in capsys.readouterr().out
    assert main(["trust", "remove", fp, *admin, *laptop_db]) == 0
    assert main(["verify", str(out), "--identity", keyfile, *laptop_db]) == 1


def test_export_needs_an_encryption_choice_and_warns_when_unencrypted(case, data_dir, secret_files, tmp_path,
                                                                      capsys):
    with pytest.raises(SystemExit) as exc:
        _export(case, data_dir, secret_files, tmp_path / "x.tdcase")
    assert exc.value.code == 2
    plain = tmp_path / "plain.tdcase"
    assert _export(case, data_dir, secret_files, plain, "--unencrypted") == 0
    assert "WARNING" in capsys.readouterr().err
    assert plain.read_bytes().startswith(b"PK")
    assert main(["verify", str(plain), *_db(data_dir, secret_files)]) == 0
    assert "encryption:   none" in capsys.readouterr().out


def test_export_refuses_a_wrong_password_and_never_waits_on_stdin(case, data_dir, secret_files, tmp_path, capsys):
    (tmp_path / "wrong.txt").write_text("not-the-password\n")
    base = ["export", case["reference"], "--out", str(tmp_path / "x.tdcase"), "--unencrypted", "--user", "officer",
            *_db(data_dir, secret_files)]
    assert main([*base, "--password-file", str(tmp_path / "wrong.txt")]) == 6
    assert main(base) == 2  # no --password-file and standard input is not a terminal
    assert "--password-file" in capsys.readouterr().err
    assert not (tmp_path / "x.tdcase").exists()


@pytest.mark.sqlite_only("age's scrypt work on a passphrase bundle (seconds): the file, not the store, is the point")
def test_passphrase_bundle_wrong_passphrase_then_right_one(case, data_dir, secret_files, tmp_path, capsys):
    (tmp_path / "bp.txt").write_text("bundle passphrase 456\n")
    (tmp_path / "bad.txt").write_text("not the bundle passphrase\n")
    out = tmp_path / "case.tdcase"
    assert _export(case, data_dir, secret_files, out, "--bundle-passphrase-file", str(tmp_path / "bp.txt")) == 0
    assert main(["verify", str(out), "--bundle-passphrase-file", str(tmp_path / "bad.txt"),
                 *_db(data_dir, secret_files)]) == 3
    assert "wrong passphrase" in capsys.readouterr().err
    assert main(["verify", str(out), "--bundle-passphrase-file", str(tmp_path / "bp.txt"),
                 *_db(data_dir, secret_files)]) == 0


def test_import_bundle_on_the_laptop_then_differences_are_listed_and_kept_unless_accepted(
        case, data_dir, secret_files, keys, laptop, tmp_path, capsys):
    import json

    from triage_desk.models import Referral
    from triage_desk.workspace import open_workspace

    ident, keyfile = keys
    laptop_db, admin = laptop
    first = tmp_path / "1.tdcase"
    _export(case, data_dir, secret_files, first, "--recipient", str(ident.to_public()))
    capsys.readouterr()
    main(["trust", "key", "officer", *_db(data_dir, secret_files)])
    fp = capsys.readouterr().out.split("fingerprint:")[1].strip()
    main(["trust", "add", "--bundle", str(first), "--identity", keyfile, "--fingerprint", fp, *admin, *laptop_db])
    assert main(["import-bundle", str(first), "--identity", keyfile, *admin, *laptop_db]) == 0
    assert f"{case['reference']}: imported" in capsys.readouterr().out
    ws = open_workspace(data_dir, passphrase="test passphrase 123")
    with ws.session() as s:
        row = s.get(Referral, case["id"])
        doc = json.loads(row.document)
        doc["concerns"]["narrative"] = "A changed synthetic narrative."
        row.document = json.dumps(doc)
    ws.close()
    second = tmp_path / "2.tdcase"
    _export(case, data_dir, secret_files, second, "--recipient", str(ident.to_public()))
    capsys.readouterr()
    assert main(["import-bundle", str(second), "--identity", keyfile, *admin, *laptop_db]) == 0
    said = capsys.readouterr().out
    assert "differs  concerns.narrative" in said and "A changed synthetic narrative." in said
    assert "kept this workstation's value for 1" in said
    assert main(["import-bundle", str(second), "--identity", keyfile, "--accept", "all", *admin, *laptop_db]) == 0
    assert "took 1 difference" in capsys.readouterr().out
    assert main(["import-bundle", str(second), "--identity", keyfile, *admin, *laptop_db]) == 0
    assert f"{case['reference']}: unchanged" in capsys.readouterr().out
