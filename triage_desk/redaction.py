"""A redacted strategy-discussion pack per attending agency (consent-driven redaction), no Qt.

What agency X may see of what others shared is decided, in this order, by:
  1. the partner directory: no signed information-sharing agreement -> nothing from others;
  2. the latest recorded sharing decision for X (checks.py sharing decisions): not shared -> nothing;
  3. otherwise consent to share with X (scope "sharing" naming X): refused or withdrawn -> nothing;
     neither a sharing decision to share nor consent given -> nothing;
  4. the "withhold from the family" list: withheld items (and anything quoting them) only go to an
     agency with a recorded decision to share — the family's own consent cannot cover what is kept
     from the family.
X always sees what it shared itself, the meeting's time, attendance, decision and its own actions.
Every withheld item is replaced by a visible "withheld: reason" line, never silently dropped, and
each pack's redaction decision is audited (counts and the basis, never the text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from triage_desk import accounts, audit, lifecycle, strategy
from triage_desk.errors import InputError
from triage_desk.models import Partner, Role

WITHHELD = "withheld"


@dataclass(frozen=True)
class Permission:
    others: bool  # may see what other agencies shared
    family_withheld: bool  # may see the "withhold from the family" items
    reason: str  # why not (words for the "withheld:" line)
    basis: str  # code for the audit: own | no_isa | sharing_refused | consent_refused | no_basis | shared | consent


@dataclass
class Pack:
    agency: str
    agency_name: str
    minutes: dict
    items: list[tuple[str, str, str | None]] = field(default_factory=list)  # (agency name, text, withheld reason)
    actions: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # (action, owner, due, reason)
    family_withheld: list[tuple[str, str | None]] = field(default_factory=list)  # (what or "", withheld reason)
    permission: Permission | None = None


def _latest_consent(doc: dict, partner: Partner | None, agency: str) -> str | None:
    names = {agency.lower()} | ({partner.name.lower()} if partner else set())
    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    state = None
    for rec in consent.get("records") or []:  # later records supersede earlier ones
        if (isinstance(rec, dict) and rec.get("scope") == "sharing"
                and str(rec.get("agency") or "").strip().lower() in names):
            state = rec.get("state")
    return state


def permission(agency: str, partner: Partner | None, doc: dict, sharing: list[dict]) -> Permission:
    """What `agency` may see (see the module notes for the order of the rules)."""
    if agency == strategy.OWN_AGENCY:
        return Permission(True, True, "", "own")
    name = partner.name if partner else agency
    if partner is None or partner.isa_status != "signed":
        return Permission(False, False, f"{name} has no signed information-sharing agreement", "no_isa")
    mine = [d for d in sharing if d.get("partner_id") == partner.id]
    decision = mine[-1] if mine else None
    if decision is not None and not decision["shared"]:
        return Permission(False, False, "recorded decision not to share with " + name, "sharing_refused")
    consent = _latest_consent(doc, partner, agency)
    if decision is None and consent in ("refused", "withdrawn"):
        return Permission(False, False, f"consent to share with {name} was {consent}", "consent_refused")
    if decision is None and consent != "given":
        return Permission(False, False, f"no sharing decision or consent recorded for {name}", "no_basis")
    withheld_ok = decision is not None
    return Permission(True, withheld_ok, "" if withheld_ok else "kept from the family: only shared with an agency "
                      "under a recorded sharing decision", "shared" if decision else "consent")


def _withhold_list(doc: dict) -> list[dict]:
    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    return [w for w in consent.get("withhold") or [] if isinstance(w, dict) and str(w.get("what") or "").strip()]


def _quotes_withheld(text: str, withhold: list[dict]) -> dict | None:
    low = text.lower()
    return next((w for w in withhold if str(w["what"]).strip().lower() in low), None)


def build_pack(agency: str, minutes: dict, doc: dict, sharing: list[dict], partners: dict[str, Partner]) -> Pack:
    """The pack for one attending agency (pure: the caller loads the inputs and audits the result)."""
    names = {pid: p.name for pid, p in partners.items()} | {strategy.OWN_AGENCY: "Children's social care"}
    perm = permission(agency, partners.get(agency), doc, sharing)
    withhold = _withhold_list(doc)
    pack = Pack(agency, names.get(agency, agency), minutes, permission=perm)
    for item in minutes.get("information") or []:
        source = names.get(item["agency"], item["agency"])
        quoted = _quotes_withheld(item["text"], withhold)
        if item["agency"] != agency and not perm.others:
            pack.items.append((source, "", perm.reason))
        elif quoted is not None and not perm.family_withheld and item["agency"] != agency:
            pack.items.append((source, "", perm.reason or "kept from the family"))
        else:
            pack.items.append((source, item["text"], None))
    for act in minutes.get("actions") or []:
        own = act.get("agency") == agency
        reason = None if own or perm.others else perm.reason
        pack.actions.append(("" if reason else act["action"], "" if reason else act["owner"], act["due"], reason))
    for w in withhold:
        why = str(w.get("why") or "").strip()
        if perm.family_withheld:
            pack.family_withheld.append((str(w["what"]).strip() + (f" (why: {why})" if why else ""), None))
        else:
            pack.family_withheld.append(("", "information kept from the family"
                                         + (f": {why}" if why and perm.others else "")))
    return pack


def pack_for(ws, ref: str, agency: str) -> Pack:
    """Build and audit the redacted pack for one agency that attended the latest strategy discussion."""
    from triage_desk import sharing
    from triage_desk.referral_rows import load
    from triage_desk.reports.case_summary import find_referral

    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    found = strategy.latest(ws, ref)
    if found is None:
        raise InputError("strategy discussion: none is recorded on this case")
    row, minutes = found
    attending = {a["agency"] for a in minutes["attendees"]}
    if agency not in attending:
        raise InputError(f"agency: {agency} did not attend the strategy discussion (attendees: "
                         f"{', '.join(sorted(attending))})")
    decisions = sharing.list_sharing_decisions(ws, row.referral_id)
    with ws.session() as s:
        referral = find_referral(s, row.referral_id)
        doc = load(referral.document)
        partners = {p.id: p for p in s.query(Partner).filter(Partner.id.in_(attending)).all()}
        for p in partners.values():
            s.expunge(p)
        pack = build_pack(agency, minutes, doc, decisions, partners)
        withheld = sum(1 for *_, r in pack.items if r) + sum(1 for *_, r in pack.actions if r) \
            + sum(1 for _, r in pack.family_withheld if r)
        audit.record(s, user.username, "strategy.pack", "referral", row.referral_id, discussion=row.id,
                     agency=agency, basis=pack.permission.basis, withheld=withheld,
                     shown=len(pack.items) + len(pack.actions) + len(pack.family_withheld) - withheld)
    return pack


def attending_agencies(ws, ref: str) -> list[tuple[str, str]]:
    """(partner id, name) of each agency at the latest strategy discussion, in the minutes' order."""
    found = strategy.latest(ws, ref)
    if found is None:
        return []
    with ws.session() as s:
        names = strategy.agency_names(s, found[1])
    return [(a, names.get(a, a)) for a in dict.fromkeys(x["agency"] for x in found[1]["attendees"])]


def save_packs(ws, ref: str, folder) -> list[Path]:
    """Every attending partner agency's redacted pack into `folder`, one new owner-only PDF each (each
    pack's redaction audited); children's social care has the full minutes instead. Nothing is written
    when any file already exists."""
    from triage_desk.private_files import write_new

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--out-dir: {folder} is not a folder")
    reference = lifecycle.current_state(ws, ref).reference
    agencies = [a for a, _name in attending_agencies(ws, ref) if a != strategy.OWN_AGENCY]
    if not agencies:
        raise InputError("strategy discussion: no partner agency attended; save the minutes instead")
    paths = [folder / f"{reference}-{agency}-pack.pdf" for agency in agencies]
    clash = next((p for p in paths if p.exists()), None)
    if clash is not None:
        raise InputError(f"--out-dir: {clash.name} already exists in {folder}; choose another folder")
    for path, agency in zip(paths, agencies, strict=True):
        write_new(path, pack_pdf(ws, ref, agency), "--out-dir")
    return paths



def pack_pdf(ws, ref: str, agency: str) -> bytes:
    """The redacted pack for `agency` as PDF (the redaction decision is audited by `pack_for`)."""
    from triage_desk.forms.clock import london_now
    from triage_desk.reports.pdf_casework import render_pack

    pack = pack_for(ws, ref, agency)
    with ws.session() as s:
        names = strategy.agency_names(s, pack.minutes)
    reference = lifecycle.current_state(ws, ref).reference
    return render_pack(reference, pack, names, generated_by=ws.user.username, generated_at=london_now())
