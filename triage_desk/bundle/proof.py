"""What an imported decision proves (issue 9 points 2 and 5).

A bundle's `case.json` claims a decision and maybe its approval. Nothing is taken on trust: the
decision counts only with a valid signature, over exactly what case.json says, by a key that at the
time of signing was an enabled officer's or practice lead's here (by the signed role grants) or is on
the trust list; the approval counts only with a practice lead's countersignature over that decision
statement, by a key that at the time was an enabled practice lead's here or a trusted signer marked as
a practice lead, and never the decider's own. Anything else is stored as "approval not proven" and
goes to the review queue. A decision older than (or diverging from) the one here is never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from triage_desk import grants, statements
from triage_desk.bundle import signing
from triage_desk.models import Role, TrustedSigner, User
from triage_desk.models.decision import Decision

DECIDER_ROLES = (Role.OFFICER.value, Role.LEAD.value)


def _number(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _by(body: dict) -> dict:
    return body["by"] if isinstance(body.get("by"), dict) else {}


def _when(body: dict) -> datetime | None:
    return naive_utc(body.get("at"))


def naive_utc(text) -> datetime | None:
    """An ISO time as naive UTC (how this database stores times); None when it is not a time."""
    from datetime import UTC

    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def standing(session, public_key: bytes, when: datetime | None) -> tuple[str | None, str]:
    """The role this key held here at `when` (None: not trusted then) and whose key it is, in words."""
    fp = signing.fingerprint(public_key)
    state = grants.replay(session)
    owners = [u for u, items in state.history.items() if any(k == fp for *_x, k in items)]
    if state.pin is None:  # an older database without signed grants: the table as it is, enabled users only
        owners = list(session.execute(select(User.username).where(User.signing_public_key == public_key,
                                                                   User.active.is_(True))).scalars())
        for name in owners:
            role = session.execute(select(User.role).where(User.username == name)).scalar()
            return role, f"this database's user {name}"
    for name in owners:
        at = state.at(name, when) if when else state.current.get(name)
        if at and at[1] and at[2] == fp:
            return at[0], f"this database's user {name}"
    if owners:
        return None, f"this database's user {owners[0]}, whose key was not enabled at that time"
    listed = session.get(TrustedSigner, fp)
    if listed is not None and listed.public_key == public_key:
        return listed.role or "signer", "a signer on the trust list"
    return None, "a key this database does not trust"


@dataclass
class Proof:
    """The bundle's decision as this database sees it."""

    signed: statements.Signed | None
    approval_signed: statements.Signed | None
    revision: int = 0
    decision_proven: bool = False
    approval_proven: bool = False
    claim: str | None = None  # why the claimed approval (or the decision) is not proven, in words
    signer: str = ""  # who signed the decision, in words
    history: set[str] = field(default_factory=set)  # digests of every statement the bundle carries
    claimed: str | None = None  # the approval state the bundle claims

    @property
    def digest(self) -> str | None:
        return statements.digest(self.signed.text) if self.signed else None


def _matches(body: dict, section: dict) -> bool:
    """The signed statement says what case.json says (level, outcomes, engine result, decider)."""
    try:
        return _same(body, section)
    except TypeError:  # outcomes that cannot even be sorted: not what anyone signed
        return False


def _same(body: dict, section: dict) -> bool:
    return (body.get("type") == statements.DECISION and body.get("final_level") == section.get("final_level")
            and body.get("final_outcomes") == sorted(section.get("final_outcomes") or [])
            and body.get("engine_sha256") == statements.engine_hash(section.get("engine") or {})
            and _by(body).get("username") == section.get("decided_by"))


def _check_decision(session, section: dict, proof: Proof) -> str | None:
    if proof.signed is None:
        return "the decision carries no signature"
    body = proof.signed.body
    if not proof.signed.valid() or not _matches(body, section):
        return "the decision's signature does not match what the bundle says was decided"
    role, whose = standing(session, proof.signed.public_key, _when(body))
    proof.signer = f"{statements.describe(body, proof.signed.public_key)} ({whose})"
    if role not in (*DECIDER_ROLES, "signer"):
        return f"the decision was signed by {whose}"
    return None


def _check_approval(session, section: dict, proof: Proof) -> str | None:
    claimed = section.get("approval")
    a = proof.approval_signed
    if a is None:
        return f"the bundle says {claimed} but carries no practice lead's countersignature"
    body = a.body
    if (not a.valid() or body.get("type") != statements.APPROVAL or body.get("outcome") != claimed
            or proof.signed is None or body.get("decision_sha256") != proof.digest):
        return "the countersignature does not match the decision"
    if proof.signed.public_key == a.public_key:
        return "the decider countersigned their own decision"
    role, whose = standing(session, a.public_key, _when(body))
    if role != Role.LEAD.value:
        return f"the countersignature is by {whose}, not a practice lead trusted here at that time"
    return None


def examine(session, section) -> Proof | None:
    """The proof state of a case.json `decision` section (None when the bundle has no decision)."""
    if not isinstance(section, dict) or not section.get("engine"):
        return None
    proof = Proof(statements.unpack(section.get("signed")), statements.unpack(section.get("approval_signed")),
                  claimed=section.get("approval"))
    history = section.get("history")
    for part in history if isinstance(history, list) else []:
        signed = statements.unpack(part)
        if signed is not None and signed.valid():
            proof.history.add(statements.digest(signed.text))
    problem = _check_decision(session, section, proof)
    proof.decision_proven = problem is None
    if proof.signed is not None and proof.decision_proven:
        proof.revision = _number(proof.signed.body.get("revision"))
        if proof.approval_signed is not None and proof.approval_signed.valid():
            proof.revision = max(proof.revision, _number(proof.approval_signed.body.get("revision")))
    if section.get("approval") in ("approved", "rejected"):
        problem = problem or _check_approval(session, section, proof)
        proof.approval_proven = problem is None
    proof.claim = problem
    return proof


def compare(local: Decision | None, local_digests: set[str], proof: Proof | None) -> str:
    """"same" | "newer" | "older" | "diverging": the bundle's decision against the newest one here."""
    if proof is None:
        return "same" if local is None else "older"
    if local is None:
        return "newer"
    here = statements.digest(local.statement) if local.statement else None
    if here is not None and here == proof.digest:  # the same decision: is the bundle's approval further on?
        if proof.claimed == local.approval or local.approval_signature:
            return "same" if proof.claimed == local.approval else "older"
        return "newer" if proof.claimed in ("approved", "rejected") else "older"
    if proof.digest in local_digests or proof.revision <= (local.revision or 0):
        return "older"
    if here is None or here in proof.history:
        return "newer"
    return "diverging"
