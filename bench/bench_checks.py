"""Agency checks figures (a small throwaway encrypted workspace in a temporary folder).

checks_section   `checks.as_document` for a referral with 60 checks and 12 sharing decisions (what the case
                 view, the summary PDF and case.json read); floor: the same rows by two hand-written
                 SELECTs on the same engine, with the golden-rules JSON parsed, in the same run.
check_due        one check's due time in working hours (`checks.due_at`, bank holidays included), averaged
                 over 5,000 request times; floor: `datetime + timedelta` plus a dict look-up per call.
"""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from _harness import Figure, best_of


@lru_cache(maxsize=1)
def _case():
    import keyring
    from keyring.backends import null

    from triage_desk import accounts, checks, partners, sharing
    from triage_desk.models import Role
    from triage_desk.referral_rows import new_row, store_text
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())  # never touch the developer's keyring
    data_dir = Path(tempfile.mkdtemp(prefix="triage-bench-checks-")) / "data"
    ws, _ = init_workspace(data_dir, admin_username="bench", admin_display_name="Bench",
                           admin_password="bench-password-1", passphrase="bench passphrase 123")
    with ws.session() as s:
        ws.user = accounts.create_user(s, ws.user, "officer", "Bench Officer", Role.OFFICER, "bench-password-1")
    doc = {"schema": "triage-desk/referral", "schema_version": 1, "id": str(uuid.uuid4()),
           "reference": "TD-2026-000001",
           "variant": "child", "status": "submitted", "contact": {"received_at": "2026-11-20T10:00"},
           "subjects": [{"id": "s1", "surname": "Benchmark"}],
           "consent": {"records": [{"person_id": "s1", "scope": "checks", "state": "given"}]}}
    with ws.session() as s:
        s.add(new_row(doc, store_text(doc), "officer"))
    signed = [p.id for p in partners.list_partners(ws) if p.isa_status == "signed"]
    start = datetime(2026, 9, 1, 9, 0)
    for round_ in range(5):
        made = checks.request_checks(ws, doc["id"], signed[:12], now=start + timedelta(days=7 * round_))
        for c in made:
            checks.record_response(ws, c.id, nothing_known=round_ % 2 == 0, summary="Synthetic answer for a bench.")
    rules = {rid: True for rid in sharing.rule_ids()}
    for k in range(12):
        sharing.record_sharing_decision(ws, doc["id"], signed[k], k % 2 == 0, "Synthetic reason for a bench run.",
                                       rules, "public_task" if k % 2 == 0 else None)
    return ws, doc["id"]


def checks_section() -> Figure:
    from triage_desk import checks

    ws, rid = _case()

    def ours():
        section = checks.as_document(ws, rid)
        assert len(section["checks"]) == 60 and len(section["sharing_decisions"]) == 12

    def hand():
        with ws.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT c.*, p.name FROM agency_check c JOIN partner p ON p.id = c.partner_id "
                "WHERE c.referral_id = ? ORDER BY c.requested_at, c.rowid", (rid,)).all()
            decisions = conn.exec_driver_sql("SELECT * FROM sharing_decision WHERE referral_id = ? "
                                             "ORDER BY decided_at, rowid", (rid,)).mappings().all()
            parsed = [json.loads(d["golden_rules"]) for d in decisions]
        assert len(rows) == 60 and len(parsed) == 12

    ours(), hand()  # warm caches on both sides
    value, floor = best_of(ours, 15), best_of(hand, 15)
    return Figure("checks_section", value * 1000, "ms", floor * 1000, "value <= 20 ms (opening the tab)")


def check_due() -> Figure:
    from triage_desk import checks
    from triage_desk.forms.threshold import default_context
    from triage_desk.models.partner import Partner

    partner = Partner(id="police", name="Police", kind="police", isa_status="signed", check_due_hours=16)
    rng = random.Random(3)
    times = [datetime(2026, 1, 1) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)) for _ in range(5000)]
    cal = default_context().calendar
    hours = {"police": 16}

    def ours():
        for t in times:
            checks.due_at(partner, t, cal)

    def hand():
        for t in times:
            _ = t + timedelta(hours=hours["police"])

    ours()
    value, floor = best_of(ours, 5) / len(times), best_of(hand, 5) / len(times)
    return Figure("check_due", value * 1e6, "µs", floor * 1e6, "value <= 50 µs")


FIGURES = {"checks_section": checks_section, "check_due": check_due}
