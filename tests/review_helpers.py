"""Two workstations for the review-pack tests: a front door with decided cases, a lead's laptop (synthetic)."""

from __future__ import annotations

import uuid
from pathlib import Path

from bundle_helpers import second_workstation, sign_in
from intake_helpers import complete, subject

from triage_desk import accounts, decisions, intake
from triage_desk.models import Role

PASSPHRASE, USER_PASSWORD, ADMIN_PASSWORD = "test passphrase 123", "user-password-1", "admin-password-1"
LAPTOP_PASSPHRASE, LAPTOP_PASSWORD = "laptop passphrase 123", "laptop-password-1"
OUTCOME = {1: ("IAG", "UNIV"), 2: ("EH",), 3: ("S17",), 4: ("STRAT",)}
# The officer's levels for 20 cases, and what the reviewing lead decides (blind) for each.
OFFICER_LEVELS = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]
LEAD_LEVELS = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 2, 3, 4, 4, 4, 3, 3]


def decided(ws, level: int, surname: str) -> str:
    from triage_desk.forms.document import new_document
    from triage_desk.forms.threshold import evaluate
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump, next_reference

    doc = complete(new_document("child"), subject(surname=surname), received_at="2026-11-02T10:00")
    with ws.session() as s:
        reference = next_reference(s, 2026)
    doc.update(id=str(uuid.uuid4()), reference=reference, status="submitted")
    import_text(ws, dump(doc), "test")
    doc = intake.open_case(ws, reference)
    engine = evaluate(doc)
    why = "" if level == engine["suggested_level"] else "Synthetic rationale for a higher level of need."
    decisions.decide(ws, doc["id"], engine, decisions.Proposal(level, OUTCOME[level], why))
    return reference


def front_door(ws) -> list[str]:
    """20 decided cases (15 overrides waiting for approval) by the officer."""
    sign_in(ws, "officer", USER_PASSWORD)
    refs = [decided(ws, level, f"Reviewcase{chr(65 + i)}") for i, level in enumerate(OFFICER_LEVELS)]
    return refs


def laptop(path: Path):
    """The lead's own workstation: its admin, a practice lead and an officer (signed in as the admin)."""
    ws = second_workstation(path)
    with ws.session() as s:
        accounts.create_user(s, ws.user, "revlead", "Review Lead", Role.LEAD, LAPTOP_PASSWORD)
        accounts.create_user(s, ws.user, "revofficer", "Laptop Officer", Role.OFFICER, LAPTOP_PASSWORD)
    for name in ("revlead", "revofficer"):
        sign_in(ws, name, LAPTOP_PASSWORD)  # issues each user's signing key
    return ws


def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, value in (("fd_pass", PASSPHRASE), ("fd_user", USER_PASSWORD), ("lp_pass", LAPTOP_PASSPHRASE),
                        ("lp_user", LAPTOP_PASSWORD), ("return_pass", "return passphrase 4567 long")):
        (tmp_path / f"{name}.txt").write_text(value + "\n")
        out[name] = str(tmp_path / f"{name}.txt")
    return out


def trust_each_other(front, lap) -> None:
    """Keys confirmed by a second channel: the front door trusts the laptop's lead (as a practice lead) and,
    without a role, its officer; the laptop trusts the front door's lead."""
    from triage_desk.bundle import signing, trust

    def key(ws, name):
        return trust.own_public_key(ws, name)

    sign_in(front, "admin", ADMIN_PASSWORD)
    sign_in(lap, "leadadmin", LAPTOP_PASSWORD)
    for name, role in (("revlead", "lead"), ("revofficer", None)):
        k = key(lap, name)
        trust.add_signer(front, k, name, confirm_fingerprint=signing.fingerprint(k), role=role)
    k = key(front, "lead")
    trust.add_signer(lap, k, "Front door lead", confirm_fingerprint=signing.fingerprint(k))
