"""Issue 13 end to end: a blind review pack from the front door to a lead's laptop and back, each step a
CLI command in its own process on two separate encrypted databases (synthetic cases only)."""

from __future__ import annotations

import json

import pytest
from bundle_helpers import new_identity
from review_helpers import LEAD_LEVELS, OFFICER_LEVELS, OUTCOME, files, front_door, laptop, trust_each_other
from store_helpers import run_cli

from triage_desk import statements

pytestmark = pytest.mark.sqlite_only("two separate encrypted single-PC databases exchanging packs in child processes")


@pytest.fixture
def stations(workspace, tmp_path):
    refs = front_door(workspace)
    lap = laptop(tmp_path / "laptop")
    trust_each_other(workspace, lap)
    workspace.close()
    lap.close()
    ident = new_identity()
    (tmp_path / "lead.key").write_text(f"# synthetic test key\n{ident}\n")
    f = files(tmp_path)
    fd = ["--data-dir", str(tmp_path / "data"), "--passphrase-file", f["fd_pass"]]
    lp = ["--data-dir", str(tmp_path / "laptop"), "--passphrase-file", f["lp_pass"]]
    return {"refs": refs, "fd": fd, "lp": lp, "f": f, "to": str(ident.to_public()), "key": str(tmp_path / "lead.key"),
            "tmp": tmp_path}


def cli(*argv: str, code: int = 0) -> str:
    done = run_cli(*argv)
    assert done.returncode == code, (argv, done.stdout, done.stderr)
    return done.stdout + done.stderr


def as_user(st, side: str, name: str) -> list[str]:
    password = st["f"]["fd_user" if side == "fd" else "lp_user"]
    return [*st[side], "--user", name, "--password-file", password]


def _decisions(st) -> dict:
    """The front door's decisions as the CLI-independent store sees them (reopened in this process)."""
    from sqlalchemy import select

    from triage_desk.models import Decision, Referral
    from triage_desk.workspace import open_workspace

    ws = open_workspace(st["tmp"] / "data", passphrase="test passphrase 123")
    try:
        with ws.session() as s:
            rows = s.execute(select(Referral.reference, Decision).join(Decision, Decision.referral_id == Referral.id)
                             .order_by(Decision.id)).all()
            return {"rows": [(ref, d.revision, d.approval, d.final_level, d.superseded, d.approval_statement,
                              d.approver_key, d.statement) for ref, d in rows]}
    finally:
        ws.close()


def _review_offline(st, pack) -> None:
    refs = st["refs"]
    cli("review-pack", "import", str(pack), "--identity", st["key"], *as_user(st, "lp", "revlead"))
    shown = json.loads(cli("review-pack", "show", refs[5], *as_user(st, "lp", "revlead")))
    assert shown["hidden"] and "decision" not in shown and "Reviewcase" not in json.dumps(shown)
    assert "1 Example Road" not in json.dumps(shown) and "ref@example.org" not in json.dumps(shown)
    assert "blind" in cli("review-pack", "review", refs[5], "--agree", *as_user(st, "lp", "revlead"), code=2)
    for level in (1, 2, 3, 4):
        group = [r for r, lv in zip(refs, LEAD_LEVELS, strict=True) if lv == level]
        cli("review-pack", "score", ",".join(group), "--level", str(level), "--outcomes", ",".join(OUTCOME[level]),
            "--indicators", f"synthetic_l{level}", *as_user(st, "lp", "revlead"))
    cli("review-pack", "reveal", ",".join(refs), *as_user(st, "lp", "revlead"))
    agree = [r for r, o, ld in zip(refs, OFFICER_LEVELS, LEAD_LEVELS, strict=True) if o == ld]
    cli("review-pack", "review", ",".join(agree), "--agree", *as_user(st, "lp", "revlead"))
    for ref, o, ld in zip(refs, OFFICER_LEVELS, LEAD_LEVELS, strict=True):
        if o != ld:
            cli("review-pack", "review", ref, "--level", str(ld), "--outcomes", ",".join(OUTCOME[ld]),
                "--rationale", f"Synthetic lead rationale: level {ld} fits the concerns better.",
                *as_user(st, "lp", "revlead"))


def test_blind_pack_round_trip_applies_each_review_exactly_once(stations, tmp_path):
    st, refs = stations, stations["refs"]
    pack, ret1, ret2 = tmp_path / "pack.tdreview", tmp_path / "r1.tdreturn", tmp_path / "r2.tdreturn"
    cli("review-pack", "export", "--cases", ",".join(refs), "--blind", "--to", st["to"], "--out", str(pack),
        *as_user(st, "fd", "lead"))
    assert pack.read_bytes().startswith(b"age-encryption.org/v1")
    _review_offline(st, pack)
    back = ["--bundle-passphrase-file", st["f"]["return_pass"]]
    cli("review-pack", "return", "--out", str(ret1), *back, *as_user(st, "lp", "revlead"))
    before = _decisions(st)
    said = cli("review-pack", "import-return", str(ret1), *back, *as_user(st, "fd", "lead"))
    agreed_pending = sum(o == ld and o > 1 for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS, strict=True))
    assert f"approvals countersigned: {agreed_pending}" in said
    after = _decisions(st)
    current = {r[0]: r for r in after["rows"] if not r[4]}
    for ref, o, ld in zip(refs, OFFICER_LEVELS, LEAD_LEVELS, strict=True):
        row = current[ref]
        if o == ld and o > 1:  # an override waiting for approval: now the lead's countersignature
            assert row[2] == "approved" and row[5]
            body = json.loads(row[5])
            assert body["by"]["username"] == "revlead" and body["decision_sha256"] == statements.digest(row[7])
        elif o != ld:  # a new decision version awaiting the officer, the earlier one kept
            assert (row[3], row[2]) == (ld, "response")
            assert any(r[0] == ref and r[4] and r[3] == o for r in after["rows"])
    assert len(after["rows"]) == len(before["rows"]) + sum(o != ld for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS,
                                                                                    strict=True))
    assert "already applied; nothing changed" in cli("review-pack", "import-return", str(ret1), *back,
                                                     *as_user(st, "fd", "lead"))
    assert _decisions(st) == after
    cli("review-pack", "return", "--out", str(ret2), *back, *as_user(st, "lp", "revlead"))
    assert "already applied before: 20" in cli("review-pack", "import-return", str(ret2), *back,
                                               *as_user(st, "fd", "lead"))
    assert "older than the review return already applied" in cli(
        "review-pack", "import-return", str(ret1), *back, *as_user(st, "fd", "lead"), code=2)
    assert _decisions(st) == after
    _refusals(st, ret1, back)
    _statistics(st)
    _history(st)


def _history(st) -> None:
    """Every review is on the case (case show) and in its summary PDF: who, blind, verdict, rationale, signature."""
    from bundle_helpers import sign_in
    from casework_helpers import pdf_text

    from triage_desk.reports.case_summary import summary_for
    from triage_desk.workspace import open_workspace

    ref = st["refs"][4]  # level 1 -> 2: the lead decided differently
    view = json.loads(cli("case", "show", ref, "--json", *as_user(st, "fd", "lead")))
    (review,) = view["reviews"]
    assert review["provably_blind"] and review["signature_ok"] and review["verdict"] == "disagree"
    said = cli("case", "show", ref, *as_user(st, "fd", "lead"))
    assert "reviewed blind (score signed before the reveal) by Review Lead" in said and "level 1 → 2" in said
    ws = open_workspace(st["tmp"] / "data", passphrase="test passphrase 123")
    try:
        sign_in(ws, "lead", "user-password-1")
        pdf = st["tmp"] / "summary.pdf"
        pdf.write_bytes(summary_for(ws, ref))
    finally:
        ws.close()
    text = pdf_text(pdf.read_bytes(), st["tmp"])
    assert "Reviews by practice leads" in text and "level 2 fits the concerns better" in text
    _officer_answers(st, ref)


def _officer_answers(st, ref: str) -> None:
    """The officer sees the lead's re-decision and accepts it from the command line; the case moves on."""
    said = cli("case", "show", ref, *as_user(st, "fd", "officer"))
    assert "awaiting the officer's response" in said and "level 2 fits the concerns better" in said
    assert "reason (why)" in cli("case", "transition", ref, "accept_review", *as_user(st, "fd", "officer"), code=2)
    said = cli("case", "transition", ref, "accept_review", "--reason", "The lead's reading of the concerns is right.",
               *as_user(st, "fd", "officer"))
    assert said.strip().endswith(": decided")
    view = json.loads(cli("case", "show", ref, "--json", *as_user(st, "fd", "officer")))
    assert view["response_due"] is None and [r["response"] for r in view["responses"]] == ["accepted"]


def _sealed_by(st, username: str, body: dict, out):
    """A return signed by a laptop user's own key (made in this process, as a hostile sender would)."""
    from bundle_helpers import sign_in

    from triage_desk import review_pack_io
    from triage_desk.workspace import open_workspace

    ws = open_workspace(st["tmp"] / "laptop", passphrase="laptop passphrase 123")
    try:
        user = sign_in(ws, username, "laptop-password-1")
        data, _digest = review_pack_io.seal("return", review_pack_io.RETURN, body, user,
                                            statements.signing_key(user), passphrase="return passphrase 4567 long")
    finally:
        ws.close()
    out.write_bytes(data)


def _refusals(st, ret1, back) -> None:
    import uuid

    import pyrage
    from bundle_helpers import rezip, unzip

    from triage_desk import review_pack_io

    before = _decisions(st)
    members = unzip(pyrage.passphrase.decrypt(ret1.read_bytes(), "return passphrase 4567 long"))
    body = json.loads(members["return.json"])
    assert b"disagree" in members["return.json"]
    members["return.json"] = members["return.json"].replace(b"disagree", b"agree", 1)
    tampered = st["tmp"] / "tampered.tdreturn"
    tampered.write_bytes(pyrage.passphrase.encrypt(rezip(members), "return passphrase 4567 long"))
    said = cli("review-pack", "import-return", str(tampered), *back, *as_user(st, "fd", "lead"), code=2)
    assert "altered" in said
    foreign = st["tmp"] / "foreign.tdreturn"
    _sealed_by(st, "revlead", {**body, "pack_id": str(uuid.uuid4()), "created_at": review_pack_io.now_iso()},
               foreign)
    assert "never issued" in cli("review-pack", "import-return", str(foreign), *back, *as_user(st, "fd", "lead"),
                                 code=2)
    not_lead = st["tmp"] / "officer.tdreturn"
    _sealed_by(st, "revofficer", {**body, "created_at": review_pack_io.now_iso()}, not_lead)
    assert "not a practice lead" in cli("review-pack", "import-return", str(not_lead), *back,
                                        *as_user(st, "fd", "lead"), code=5)
    assert _decisions(st) == before


def _statistics(st) -> None:
    """Percent agreement and linear-weighted kappa, computed here another way: kappa_w = 1 - observed mean
    |officer - lead| / the mean |officer_i - lead_j| over every pairing (chance)."""
    n = len(OFFICER_LEVELS)
    observed = sum(abs(o - ld) for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS, strict=True)) / n
    chance = sum(abs(o - ld) for o in OFFICER_LEVELS for ld in LEAD_LEVELS) / n ** 2
    stats = json.loads(cli("review-pack", "stats", "--json", *as_user(st, "fd", "lead")))
    assert stats["cases"] == n
    assert stats["percent_agreement"] == pytest.approx(
        100 * sum(o == ld for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS, strict=True)) / n, abs=0.01)
    kappa, low, high = stats["kappa_linear"]
    assert kappa == pytest.approx(1 - observed / chance, abs=1e-4) and low < kappa < high
    assert stats["directions"] == {"lead higher": sum(ld > o for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS,
                                                                             strict=True)),
                                   "lead lower": sum(ld < o for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS,
                                                                            strict=True))}
    assert stats["indicators"][0] == ["synthetic_l3", LEAD_LEVELS.count(3)]  # scored blind, absent in the case
    assert stats["matrix"][1][2] == sum((o, ld) == (2, 3) for o, ld in zip(OFFICER_LEVELS, LEAD_LEVELS, strict=True))
    pdf = st["tmp"] / "meeting.pdf"
    cli("review-pack", "stats", "--pdf", str(pdf), *as_user(st, "fd", "lead"))
    import subprocess

    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    disagreed = [r for r, o, ld in zip(st["refs"], OFFICER_LEVELS, LEAD_LEVELS, strict=True) if o != ld]
    assert "Threshold review meeting pack" in text and all(ref in text for ref in disagreed)
    assert "level 3 fits the concerns better" in text and "Synthetic rationale for a higher level" in text
    assert f"{kappa:.2f}" in text
