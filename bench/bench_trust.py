"""Signed-statement figures (issue 9).

sign_decision   build and sign one decision statement (canonical JSON + Ed25519), as `decisions.decide`
                and a bulk demo writer do per decision; floor: a bare Ed25519 signature over the same
                bytes, in the same run. 1,000,000 demo decisions cost value x 1e6 (no Argon2 per decision:
                the key is unsealed once, at sign-in).
verify_decision check one signed statement (what import and the case view do per decision); floor: the same.
"""

from __future__ import annotations

from _harness import Figure, best_of
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from triage_desk import statements

N = 2000
ENGINE = {"suggested_level": 3, "outcomes": ["S17", "EH"], "reasons": ["synthetic reason"] * 5,
          "catalogue": {"id": "con", "version": "1", "sha256": "0" * 64}}
BY = {"username": "demo.officer", "display_name": "Demo Officer", "role": "officer", "fingerprint": "f" * 64}


def _statement(i: int) -> dict:
    return statements.decision_statement(
        referral_id=f"bench-{i}", reference=f"TD-2026-{i:06d}", revision=1, previous=None, engine=ENGINE,
        final_level=3, final_outcomes=["S17"], overridden=True, direction="same",
        rationale="A synthetic rationale of a sentence.", nfa_reason=None, requires=[], approval="pending",
        by=BY, at="2026-11-30T10:00:00.000000Z")


def sign_decision() -> list[Figure]:
    key = Ed25519PrivateKey.generate()
    payloads = [statements.canonical(_statement(i)).encode() for i in range(N)]
    value = best_of(lambda: [statements.sign(key, _statement(i)) for i in range(N)], 3) / N
    floor = best_of(lambda: [key.sign(p) for p in payloads], 3) / N
    signed = [statements.sign(key, _statement(i)) for i in range(N)]
    check = best_of(lambda: [s.valid() for s in signed], 3) / N
    public = key.public_key()
    check_floor = best_of(lambda: [public.verify(s.signature, s.text.encode()) for s in signed], 3) / N
    return [Figure("sign_decision", value * 1e3, "ms", floor * 1e3, "value <= 0.2 ms (1M demo decisions <= 200 s)"),
            Figure("verify_decision", check * 1e3, "ms", check_floor * 1e3, "ratio <= 2")]


FIGURES = {"sign_decision": sign_decision}
