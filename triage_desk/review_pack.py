"""Review packs (issue 13 points 1-2): many cases in one signed, encrypted file for a practice lead to
review offline, and their import into the lead's own review queue.

Export (front door, practice lead or administrator): each case's decision in force with its signed
statement and the engine result, the case redacted by review_pack_redact, in one container
(review_pack_io). The pack and the exact decision statement sent for each case are remembered
(`review_pack` / `review_item`, side "issued"), so a review return can later be matched to them.
Import (the lead's workstation): every signature is checked first (container, signer trusted here,
each decision statement); the cases go to the review queue, never to the local case list.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from triage_desk import accounts, audit, decisions, review_pack_io, statements
from triage_desk.bundle import proof, signing
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import Decision, Referral, ReviewItem, ReviewPack, Role, utcnow
from triage_desk.review_pack_redact import for_review

EXPORT_ROLES = (Role.LEAD, Role.ADMIN)
MAX_CASES = 2000


@dataclass(frozen=True)
class PackResult:
    pack_id: str
    path: Path | None
    references: tuple[str, ...]
    blind: bool
    seed: str | None
    size: int

    def words(self) -> list[str]:
        """What was exported, in words (the app's export dialog)."""
        n = len(self.references)
        return [f"{n} case{'s' if n != 1 else ''} signed by you, encrypted and saved to {self.path}"
                + (" (blind: the lead scores each case before its decision is shown)." if self.blind else "."),
                *([f"Sample seed {self.seed}: the same sample can be drawn again with it."] if self.seed else [])]


@dataclass(frozen=True)
class ImportResult:
    pack_id: str
    cases: int
    signer: str  # who signed the pack, in words (name, role, key fingerprint)
    blind: bool

    def words(self) -> list[str]:
        """The verification result and what changed, in words (the app's import dialog, the CLI)."""
        return [f"Signed by {self.signer}; the signature, every file in the pack and each case's signed decision "
                "were checked before anything was imported.",
                f"{self.cases} case{'s' if self.cases != 1 else ''} added to your review queue"
                + (" (blind: you score each case before its decision is shown)." if self.blind else ".")]


def _b64(value: bytes | None) -> str | None:
    return base64.b64encode(value).decode("ascii") if value else None


def _case_entries(session, refs: list[str]) -> list[tuple[dict, Decision]]:
    """Each case's pack entry and decision in force: two queries for the whole pack, not two per case."""
    rows = {r.reference: r for r in session.execute(select(Referral).where(Referral.reference.in_(refs))).scalars()}
    ids = [r.id for r in rows.values()]
    current = {d.referral_id: d for d in session.execute(  # ascending id: the newest in force wins
        select(Decision).where(Decision.referral_id.in_(ids), Decision.superseded.is_(False))
        .order_by(Decision.id)).scalars()} if ids else {}
    out = []
    for ref in refs:
        row = rows.get(ref)
        if row is None:
            raise InputError(f"cases: there is no case {ref}")
        out.append(_case_entry(row, current.get(row.id)))
    return out


def _case_entry(row: Referral, decision: Decision | None) -> tuple[dict, Decision]:
    ref = row.reference
    if decision is None or not decision.statement or not decision.signature:
        raise InputError(f"cases: {ref} has no signed threshold decision to review")
    try:  # this database's own row: parsed, not re-validated (the redaction reads it defensively)
        doc = json.loads(row.document)
    except (TypeError, ValueError):
        doc = None
    if not isinstance(doc, dict):
        raise InputError(f"cases: {ref}'s stored referral is damaged; run triage-desk check")
    entry = {"referral_id": row.id, "reference": row.reference, "revision": row.revision or 0,
             "case": for_review(doc),
             "decision": {"statement": decision.statement, "signature": _b64(decision.signature),
                          "public_key": _b64(decision.signer_key), "engine": json.loads(decision.engine_json),
                          "rationale": decision.rationale, "approval": decision.approval}}
    return entry, decision


def _queue_refs(session) -> list[str]:
    ids = [d.referral_id for d in decisions.pending(session)]
    rows = session.execute(select(Referral.id, Referral.reference).where(Referral.id.in_(ids))).all() if ids else []
    by_id = dict(rows)
    return [by_id[i] for i in ids if i in by_id]


def _references(session, cases: list[str] | None, sample_spec: str | None, seed: str | None):
    from triage_desk import sampling

    if (cases is None) == (sample_spec is None):
        raise InputError("cases: give either a list of case references or a sample")
    if cases == ["approval-queue"]:  # every decision waiting for a practice lead's approval
        return _queue_refs(session), None, None
    if cases is not None:
        refs = list(dict.fromkeys(c.strip() for c in cases if c.strip()))
        return refs, None, None
    spec = sampling.parse(sample_spec)
    seed = seed or sampling.new_seed()
    return sampling.sample(session, spec, seed), spec.text(), seed


def export_pack(ws, *, cases: list[str] | None = None, sample: str | None = None, seed: str | None = None,
                blind: bool = False, out: str | Path | None, passphrase: str | None = None,
                recipient: str | None = None) -> tuple[PackResult, bytes]:
    """Sign (as the signed-in lead or administrator) and encrypt a pack; written to `out` when given."""
    user = accounts.require(ws.user, *EXPORT_ROLES)
    key = statements.signing_key(user)
    pack_id = str(uuid.uuid4())
    with ws.session() as s:
        refs, spec_text, seed = _references(s, cases, sample, seed)
        if not refs:
            raise InputError("cases: nothing to review (the sample drew no cases)")
        if len(refs) > MAX_CASES:
            raise InputError(f"cases: {len(refs)} cases is more than one pack holds ({MAX_CASES})")
        entries, items = [], []
        for (entry, decision), ref in zip(_case_entries(s, refs), refs, strict=True):
            entries.append(entry)
            items.append(ReviewItem(pack_id=pack_id, referral_id=entry["referral_id"], reference=ref,
                                    decision_sha256=statements.digest(decision.statement),
                                    officer=decision.decided_by, officer_level=decision.final_level,
                                    engine_level=decision.engine_level, decided_at=decision.decided_at))
        created = review_pack_io.now_iso()
        body = {"format": review_pack_io.FORMAT, "pack_id": pack_id, "created_at": created, "blind": bool(blind),
                "sample": {"spec": spec_text, "seed": seed} if spec_text else None,
                "created_by": {"username": user.username, "display_name": user.display_name, "role": user.role},
                "cases": entries}
        data, digest = review_pack_io.seal("pack", review_pack_io.PACK, body, user, key, passphrase=passphrase,
                                   recipient=recipient)
        s.add(ReviewPack(id=pack_id, side="issued", created_at=utcnow(), created_by=user.username, blind=bool(blind),
                         sample_spec=spec_text, seed=seed, signer_fingerprint=signing.fingerprint(
                             signing.raw_public_key(key)), manifest_sha256=digest))
        s.flush()
        s.add_all(items)
        audit.record(s, user.username, "review_pack.export", "review_pack", pack_id, cases=len(entries),
                     blind=bool(blind), sample=spec_text, seed=seed)
        if out is not None:
            review_pack_io.write(out, data)
    return PackResult(pack_id, Path(out) if out else None, tuple(refs), bool(blind), seed, len(data)), data


def _check_decision(entry: dict, ref: str) -> statements.Signed:
    signed = statements.unpack(entry.get("decision"))
    if signed is None or not signed.valid():
        raise InputError(f"review pack: the decision of {ref} is not validly signed; nothing was imported")
    body = signed.body
    if body.get("referral_id") != entry.get("referral_id") or body.get("reference") != ref:
        raise InputError(f"review pack: the signed decision of {ref} belongs to another case; nothing was imported")
    return signed


def import_pack(ws, path: str | Path, *, passphrase: str | None = None, identity=None) -> ImportResult:
    """Verify everything, then put the cases in this workstation's review queue."""
    user = accounts.require(ws.user, Role.LEAD)
    opened = review_pack_io.open_sealed(path, "pack", review_pack_io.PACK, passphrase=passphrase, identity=identity)
    body, name = opened.body, Path(path).name
    cases = body.get("cases")
    if not isinstance(cases, list) or not cases or not isinstance(body.get("pack_id"), str):
        raise InputError(f"{name}: holds no cases; refused")
    checked = [(c, _check_decision(c, str(c.get("reference")))) for c in cases if isinstance(c, dict)]
    with ws.session() as s:
        role, who = proof.standing(s, opened.public_key, proof.naive_utc(opened.created_at))
        if role not in (Role.LEAD.value, Role.ADMIN.value, "signer"):
            raise PermissionDenied(f"{name}: signed by {who}; add the exporter's key to the trust list first "
                                   "(after confirming its fingerprint with them)")
        if s.get(ReviewPack, body["pack_id"]) is not None:
            raise InputError(f"{name}: this review pack was already imported here; nothing changed")
        s.add(ReviewPack(id=body["pack_id"], side="received", created_at=proof.naive_utc(opened.created_at) or utcnow(),
                         created_by=str((body.get("created_by") or {}).get("username") or "unknown"),
                         blind=bool(body.get("blind")), sample_spec=(body.get("sample") or {}).get("spec"),
                         seed=(body.get("sample") or {}).get("seed"), signer_fingerprint=opened.fingerprint,
                         manifest_sha256=opened.manifest_sha256))
        s.flush()
        for entry, signed in checked:
            d = signed.body
            s.add(ReviewItem(pack_id=body["pack_id"], referral_id=entry["referral_id"], reference=entry["reference"],
                             decision_sha256=statements.digest(signed.text),
                             officer=(d.get("by") or {}).get("username"), officer_level=d.get("final_level"),
                             engine_level=d.get("engine_level"), decided_at=proof.naive_utc(d.get("at")),
                             case_json=json.dumps(entry, sort_keys=True)))
        audit.record(s, user.username, "review_pack.import", "review_pack", body["pack_id"], cases=len(checked),
                     signer=opened.fingerprint)
    by = statements.describe({"by": {**opened.signer, "fingerprint": opened.fingerprint}}, opened.public_key)
    return ImportResult(body["pack_id"], len(checked), by, bool(body.get("blind")))
