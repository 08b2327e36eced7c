"""Review pack figures (issue 13), 200 decided cases, half of them overrides awaiting approval.

review_pack_export_200   `export_pack()` of 200 cases to an X25519 recipient: read each case and its signed
                         decision, redact, sign, zip, age-encrypt, remember the pack. Goal <= 5 s. Floor: zip +
                         Ed25519 sign + age-encrypt of the same member bytes, in the same run.
review_return_import_200 `apply_return()` of a lead's signed return of 200 reviews (agreements: 100 become
                         countersigned approvals): decrypt, verify every statement, apply. Goal <= 2 s. Measured
                         once on a fresh pack (a return applies only once). Floor: age-decrypt + unzip + verify the
                         manifest signature and one Ed25519 verification per statement of the same bytes.
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
import time
import uuid
import zipfile
from functools import lru_cache
from pathlib import Path

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure, best_of

N = 200


def _sign_in(ws, name):
    from triage_desk import accounts

    with ws.session() as s:
        ws.user = accounts.authenticate(s, name, BENCH_PASSWORD)
    return ws.user


def _cases(ws) -> list[str]:
    from bench_bundle import _document

    from triage_desk import decisions, intake
    from triage_desk.forms.threshold import evaluate
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump, next_reference

    refs = []
    for n in range(N):
        doc = _document()
        with ws.session() as s:
            reference = next_reference(s, 2026)
        doc.update(id=str(uuid.uuid4()), reference=reference)
        for subject in doc["subjects"]:
            subject["id"] = doc["consent"]["records"][0]["person_id"] = str(uuid.uuid4())
        import_text(ws, dump(doc), "bench")
        doc = intake.open_case(ws, reference)
        engine = evaluate(doc)
        level = engine["suggested_level"] + (n % 2)
        outcomes = tuple(engine["outcomes"]) if n % 2 == 0 else ("EH",)
        decisions.decide(ws, doc["id"], engine, decisions.Proposal(level, outcomes, "Synthetic bench rationale text."))
        refs.append(reference)
    return refs


@lru_cache(maxsize=1)
def _setup():
    import keyring
    from keyring.backends import null
    from pyrage import x25519

    from triage_desk import accounts
    from triage_desk.bundle import signing, trust
    from triage_desk.models import Role
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())
    tmp = Path(tempfile.mkdtemp(prefix="td-bench-review-"))
    spaces = {}
    for side in ("front", "laptop"):
        ws, _ = init_workspace(tmp / side, admin_username="bench", admin_display_name="Bench",
                               admin_password=BENCH_PASSWORD, passphrase=BENCH_PASSPHRASE)
        with ws.session() as s:
            accounts.create_user(s, ws.user, "officer", "Bench Officer", Role.OFFICER, BENCH_PASSWORD)
            accounts.create_user(s, ws.user, "lead", "Bench Lead", Role.LEAD, BENCH_PASSWORD)
        spaces[side] = ws
        atexit.register(ws.close)
    atexit.register(lambda: shutil.rmtree(tmp, ignore_errors=True))
    front, laptop = spaces["front"], spaces["laptop"]
    _sign_in(front, "bench")
    key = trust.own_public_key(laptop, "lead")
    trust.add_signer(front, key, "Laptop lead", confirm_fingerprint=signing.fingerprint(key), role="lead")
    _sign_in(laptop, "bench")
    key = trust.own_public_key(front, "lead")
    trust.add_signer(laptop, key, "Front lead", confirm_fingerprint=signing.fingerprint(key))
    _sign_in(front, "officer")
    refs = _cases(front)
    _sign_in(front, "lead")
    _sign_in(laptop, "lead")
    return front, laptop, refs, x25519.Identity.generate(), tmp


def _members(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip_sign_encrypt(members: dict[str, bytes], key, recipient) -> bytes:
    import pyrage

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    key.sign(members["manifest.json"])
    return pyrage.encrypt(buf.getvalue(), [recipient])


def review_pack_export_200() -> Figure:
    import pyrage

    from triage_desk import statements
    from triage_desk.review_pack import export_pack

    front, _laptop, refs, ident, tmp = _setup()
    out = tmp / "pack.tdreview"

    def export():
        out.unlink(missing_ok=True)
        export_pack(front, cases=refs, out=out, recipient=str(ident.to_public()))

    value = best_of(export, repeat=3)
    members = _members(pyrage.decrypt(out.read_bytes(), [ident]))
    key = statements.signing_key(front.user)
    floor = best_of(lambda: _zip_sign_encrypt(members, key, ident.to_public()), repeat=5)
    return Figure("review_pack_export_200", value * 1000, "ms", floor * 1000, "value <= 5000 ms")


def review_return_import_200() -> Figure:
    import pyrage

    from triage_desk import review_offline, statements
    from triage_desk.bundle import signing
    from triage_desk.review_apply import apply_return
    from triage_desk.review_pack import export_pack, import_pack

    front, laptop, refs, ident, tmp = _setup()
    pack, back = tmp / "fresh.tdreview", tmp / "fresh.tdreturn"
    export_pack(front, cases=refs, out=pack, recipient=str(ident.to_public()))
    import_pack(laptop, pack, identity=ident)
    for ref in refs:
        review_offline.review(laptop, ref, agree=True)
    review_offline.write_return(laptop, None, back, recipient=str(ident.to_public()))
    t0 = time.perf_counter()
    apply_return(front, back, identity=ident)
    value = time.perf_counter() - t0

    def floor_work():
        import json

        members = _members(pyrage.decrypt(back.read_bytes(), [ident]))
        public = statements.signing_key(laptop.user).public_key()
        public.verify(members["manifest.sig"], members["manifest.json"])
        raw = signing.raw_public_key(statements.signing_key(laptop.user))
        for r in json.loads(members["return.json"])["reviews"]:
            for part in (r["review"], r["approval"]):
                if part:
                    import base64

                    signing.verify_signature(raw, base64.b64decode(part["signature"]), part["statement"].encode())

    floor = best_of(floor_work, repeat=5)
    return Figure("review_return_import_200", value * 1000, "ms", floor * 1000, "value <= 2000 ms")


FIGURES = {"review_pack_export_200": review_pack_export_200, "review_return_import_200": review_return_import_200}
