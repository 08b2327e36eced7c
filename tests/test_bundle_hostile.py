"""Hostile bundles (issue 5 point 7): each is refused with a clear message and nothing is written.

The laptop trusts the officer's key throughout, so a refusal is always about the bundle itself.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from bundle_helpers import (
    OFFICER_PASSWORD,
    counts,
    decided_case,
    decrypt,
    encrypt,
    export_to,
    new_identity,
    rezip,
    second_workstation,
    sign_in,
    trust,
    unzip,
)

from triage_desk import audit
from triage_desk.bundle import limits, signing
from triage_desk.bundle import manifest as mf
from triage_desk.bundle.importer import plan_import
from triage_desk.bundle.verify import open_bundle
from triage_desk.errors import InputError, TriageError


@pytest.fixture
def setup(workspace, tmp_path):
    """(officer workspace, laptop trusting the officer, a good bundle path, identity, officer's private key)."""
    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "good.tdcase", ident).path
    laptop = second_workstation(tmp_path / "laptop")
    trust(laptop, open_bundle(path, identity=ident))
    with workspace.session() as s:
        from triage_desk.models import User

        key = signing.unwrap_signing_key(s.get(User, workspace.user.id).signing_key_blob, OFFICER_PASSWORD)
    yield workspace, laptop, path, ident, key
    laptop.close()


def _state(ws) -> tuple:
    with ws.session() as s:
        return counts(ws), audit.head(s)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refused(laptop, path, ident) -> str:
    """Open a hostile bundle on the laptop: either it cannot be opened, or it opens as not intact and can
    be neither read nor imported. Returns the message a user sees."""
    try:
        vb = open_bundle(path, identity=ident, ws=laptop)
    except TriageError as exc:
        return str(exc)
    assert not vb.intact and not vb.ok
    with pytest.raises(InputError, match="not intact"):
        vb.document  # noqa: B018 - the contents are refused
    with pytest.raises(InputError, match="not intact"):
        plan_import(laptop, vb)
    return " | ".join(vb.problems + [f"{m.path}: {m.detail}" for m in vb.members if not m.ok])


def _resign(members: dict[str, bytes], key, change=lambda manifest: None) -> dict[str, bytes]:
    """What a forger with the signer's key could do: rewrite the manifest and sign it again."""
    manifest = json.loads(members[mf.MANIFEST])
    manifest["members"] = [mf.member_entry(p, members[p]) for p in mf.MEMBERS if p in members]
    change(manifest)
    raw = mf.canonical_bytes(manifest)
    return {**members, mf.MANIFEST: raw, mf.SIGNATURE: signing.sign(key, raw)}


def test_a_flipped_byte_anywhere_in_the_encrypted_file_is_refused(setup, tmp_path):
    _, laptop, path, ident, _ = setup
    data = path.read_bytes()
    before = _state(laptop)
    header_end = data.index(b"\n--- ") + 60 + 16  # the header, its MAC line and the payload nonce
    positions = sorted(set(range(header_end)) | set(range(header_end, len(data), 97)) | {len(data) - 1})
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        message = _refused(laptop, _write(tmp_path, "flip.tdcase", bytes(flipped)), ident)
        assert any(w in message for w in ("damaged", "cannot decrypt", "not a Triage Desk bundle")), (pos, message)
    assert _state(laptop) == before


def test_a_flipped_byte_in_each_member_of_the_decrypted_zip_is_refused(setup, tmp_path):
    _, laptop, path, ident, _ = setup
    members = unzip(decrypt(path, ident))
    before = _state(laptop)
    for name, content in members.items():
        for pos in (0, len(content) // 2, len(content) - 1):
            changed = bytearray(content)
            changed[pos] ^= 0x01
            hostile = _write(tmp_path, "m.tdcase", encrypt(rezip({**members, name: bytes(changed)}), ident))
            message = _refused(laptop, hostile, ident)
            assert message, (name, pos)
            if name in mf.MEMBERS and name != mf.SIGNER:
                assert f"{name}: sha256 does not match" in message or "signature" in message, (name, message)
    assert _state(laptop) == before


@pytest.mark.sqlite_only("age's scrypt work on a passphrase bundle (seconds): the file, not the store, is the point")
def test_wrong_passphrase_is_refused(setup, tmp_path):
    workspace, laptop, _, _, _ = setup
    ref = json.loads(unzip(decrypt(setup[2], setup[3]))[mf.MANIFEST])["case"]["reference"]
    path = export_to(workspace, ref, tmp_path / "p.tdcase", passphrase="bundle passphrase 456").path
    before = _state(laptop)
    with pytest.raises(TriageError, match="wrong passphrase"):
        open_bundle(path, passphrase="another passphrase 789", ws=laptop)
    with pytest.raises(TriageError, match="encrypted: give the bundle passphrase"):
        open_bundle(path, ws=laptop)
    assert _state(laptop) == before


def test_a_bundle_signed_by_an_unknown_key_is_untrusted_and_cannot_be_imported(setup, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, laptop, path, ident, _ = setup
    members = unzip(decrypt(path, ident))
    stranger = Ed25519PrivateKey.generate()
    public = signing.raw_public_key(stranger)
    signer = json.loads(members[mf.SIGNER])
    signer.update(public_key=__import__("base64").b64encode(public).decode(), fingerprint=signing.fingerprint(public))
    members = {**members, mf.SIGNER: json.dumps(signer).encode(), mf.SIGNER_PEM: signing.public_key_pem(public)}
    forged = _resign(members, stranger, lambda m: m.update(signer_fingerprint=signing.fingerprint(public)))
    before = _state(laptop)
    vb = open_bundle(_write(tmp_path, "u.tdcase", encrypt(rezip(forged), ident)), identity=ident, ws=laptop)
    assert vb.intact and not vb.trusted and not vb.ok
    with pytest.raises(InputError, match="not trusted"):
        plan_import(laptop, vb)
    assert _state(laptop) == before


def test_missing_and_extra_members_are_refused(setup, tmp_path):
    _, laptop, path, ident, key = setup
    members = unzip(decrypt(path, ident))
    before = _state(laptop)
    missing = {k: v for k, v in members.items() if k != mf.AUDIT}
    message = _refused(laptop, _write(tmp_path, "a.tdcase", encrypt(rezip(missing), ident)), ident)
    assert "audit.jsonl: listed in the manifest but missing" in message
    # Even re-signed by the signer, a manifest that leaves a member out is refused.
    message = _refused(laptop, _write(tmp_path, "b.tdcase", encrypt(rezip(_resign(missing, key)), ident)), ident)
    assert "does not list audit.jsonl" in message
    extra = {**members, "notes.txt": b"not listed"}
    message = _refused(laptop, _write(tmp_path, "c.tdcase", encrypt(rezip(extra), ident)), ident)
    assert "notes.txt: extra file not listed in the manifest" in message
    assert _state(laptop) == before


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "C:/evil.txt", "..\\evil.txt"])
def test_zip_slip_paths_are_refused(setup, tmp_path, name):
    _, laptop, path, ident, _ = setup
    members = unzip(decrypt(path, ident))
    before = _state(laptop)
    info = zipfile.ZipInfo(name)
    hostile = _write(tmp_path, "s.tdcase", encrypt(rezip(members, [(info, b"payload")]), ident))
    message = _refused(laptop, hostile, ident)
    assert "zip-slip" in message or "extra file" in message
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()
    assert _state(laptop) == before


def test_a_zip_bomb_member_is_refused_without_expanding_it(setup, tmp_path):
    _, laptop, path, ident, _ = setup
    members = unzip(decrypt(path, ident))
    before = _state(laptop)
    bomb = {**members, mf.SUMMARY: b"\0" * (limits.MAX_MEMBER + 1)}  # deflates to a few dozen KiB
    message = _refused(laptop, _write(tmp_path, "z.tdcase", encrypt(rezip(bomb), ident)), ident)
    assert "summary.pdf" in message and "zip bomb" in message
    assert _state(laptop) == before


def test_many_members_together_over_the_total_limit_are_refused(setup, tmp_path, monkeypatch):
    _, laptop, path, ident, _ = setup
    monkeypatch.setattr(limits, "MAX_MEMBER", 40_000)
    monkeypatch.setattr(limits, "MAX_TOTAL", 100_000)
    members = unzip(decrypt(path, ident))
    padded = {**members, mf.CASE: b" " * 39_000, mf.AUDIT: b" " * 39_000, mf.SIGNER: b" " * 39_000}
    message = _refused(laptop, _write(tmp_path, "t.tdcase", encrypt(rezip(padded), ident)), ident)
    assert "zip bomb" in message


def test_an_unknown_format_version_is_refused_even_when_properly_signed(setup, tmp_path):
    _, laptop, path, ident, key = setup
    members = _resign(unzip(decrypt(path, ident)), key, lambda m: m.update(format_version=2))
    before = _state(laptop)
    message = _refused(laptop, _write(tmp_path, "v.tdcase", encrypt(rezip(members), ident)), ident)
    assert "unknown format version 2" in message
    assert _state(laptop) == before


def test_truncated_files_are_refused(setup, tmp_path):
    _, laptop, path, ident, _ = setup
    data = path.read_bytes()
    plain = decrypt(path, ident)
    before = _state(laptop)
    for cut in (0, 10, 30, 120, len(data) // 2, len(data) - 1):
        message = _refused(laptop, _write(tmp_path, "cut.tdcase", data[:cut]), ident)
        assert any(w in message for w in ("damaged", "empty", "not a Triage Desk bundle", "cannot decrypt")), cut
    for cut in (len(plain) // 2, len(plain) - 10):
        message = _refused(laptop, _write(tmp_path, "cut.zip", plain[:cut]), ident)
        assert "not a readable zip" in message or "damaged" in message, cut
    assert _state(laptop) == before


@pytest.mark.parametrize("member", [mf.MANIFEST, mf.SIGNER, mf.AUDIT])
def test_json_nested_deeper_than_python_can_parse_is_refused_not_a_crash(setup, tmp_path, member):
    # found while merging issue 9: 5,000 nested lists in manifest.json, signer.json or audit.jsonl raised
    # RecursionError out of verification (exit 1, "unexpected error") instead of a refusal (exit 2)
    _, laptop, path, ident, _ = setup
    members = unzip(decrypt(path, ident))
    before = _state(laptop)
    deep = b"[" * 5000 + b"]" * 5000
    message = _refused(laptop, _write(tmp_path, "deep.tdcase", encrypt(rezip({**members, member: deep}), ident)),
                       ident)
    assert member in message
    assert _state(laptop) == before
