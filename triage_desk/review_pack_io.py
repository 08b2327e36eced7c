"""The signed, encrypted container shared by review packs and review returns (issue 13).

    file = age( zip( <body>.json, signer.json, manifest.json, manifest.sig ) )

Like a case bundle (docs/bundle-format.md): the manifest lists every member's size and sha256, is
signed (Ed25519, exact bytes) by the exporter, and the zip is encrypted with age to an X25519 recipient
or a passphrase. Reading checks every byte before anything is parsed; nothing touches the disk in clear.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from triage_desk.bundle import limits, signing
from triage_desk.bundle.export import encrypt, write_atomic
from triage_desk.bundle.verify import decrypt, read_file
from triage_desk.errors import InputError

FORMAT = "triage-desk/review-pack"
FORMAT_VERSION = 1
PACK, RETURN = "pack.json", "return.json"
SIGNER, MANIFEST, SIGNATURE = "signer.json", "manifest.json", "manifest.sig"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def canonical_bytes(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def signer_json(user, public_key: bytes) -> bytes:
    return canonical_bytes({"username": user.username, "display_name": user.display_name, "role": user.role,
                            "algorithm": "Ed25519", "public_key": base64.b64encode(public_key).decode("ascii"),
                            "fingerprint": signing.fingerprint(public_key)})


def seal(kind: str, body_name: str, body: dict, user, key, *, passphrase: str | None = None,
         recipient: str | None = None) -> tuple[bytes, str]:
    """Sign and encrypt: the container's bytes (nothing written) and the manifest's sha256."""
    public = signing.raw_public_key(key)
    members = {body_name: canonical_bytes(body), SIGNER: signer_json(user, public)}
    manifest = canonical_bytes({
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind, "created_at": body["created_at"],
        "signer_fingerprint": signing.fingerprint(public),
        "members": [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in members.items()]})
    members[MANIFEST] = manifest
    members[SIGNATURE] = key.sign(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in members.items():
            info = zipfile.ZipInfo(path, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return encrypt(buf.getvalue(), passphrase, recipient, False)[0], hashlib.sha256(manifest).hexdigest()


def write(out: str | Path, data: bytes) -> None:
    write_atomic(Path(out), data)


@dataclass(frozen=True)
class Opened:
    body: dict
    public_key: bytes
    fingerprint: str
    signer: dict
    manifest_sha256: str
    created_at: str


def _members(data: bytes, name: str) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not a readable zip inside the encryption; refused") from None
    out: dict[str, bytes] = {}
    with zf:
        infos = zf.infolist()
        if len(infos) > 8:
            raise InputError(f"{name}: {len(infos)} entries, more than a review pack holds; refused")
        for info in infos:
            if limits.unsafe_path(info.filename) or info.filename in out:
                raise InputError(f"{name}: member {info.filename!r} is not allowed (path or duplicate); refused")
            with zf.open(info) as fh:
                blob = fh.read(limits.MAX_MEMBER + 1)  # never trust declared sizes (zip bombs)
            if len(blob) > limits.MAX_MEMBER:
                raise InputError(f"{name}: member {info.filename} is larger than the limit; refused")
            out[info.filename] = blob
    return out


def _check(members: dict[str, bytes], kind: str, body_name: str, name: str) -> tuple[dict, bytes]:
    tampered = f"{name}: the signature does not match (altered after signing); refused"
    try:
        manifest = json.loads(members[MANIFEST])
        signer = json.loads(members[SIGNER])
        public = base64.b64decode(signer["public_key"], validate=True)
    except (KeyError, ValueError, TypeError):
        raise InputError(f"{name}: not a Triage Desk review {kind} (manifest or signer missing); refused") from None
    if manifest.get("format") != FORMAT or manifest.get("kind") != kind:
        raise InputError(f"{name}: not a Triage Desk review {kind}; refused")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{name}: unknown format version {manifest.get('format_version')!r}; refused")
    if len(public) != 32 or not signing.verify_signature(public, members.get(SIGNATURE, b""), members[MANIFEST]):
        raise InputError(tampered)
    if manifest.get("signer_fingerprint") != signing.fingerprint(public):
        raise InputError(f"{name}: the manifest names another signer than signer.json; refused")
    listed = {m.get("path"): m for m in manifest.get("members") or [] if isinstance(m, dict)}
    if set(listed) | {MANIFEST, SIGNATURE} != set(members) or body_name not in listed:
        raise InputError(f"{name}: members missing or not listed in the manifest; refused")
    for path, entry in listed.items():
        blob = members[path]
        if entry.get("size") != len(blob) or entry.get("sha256") != hashlib.sha256(blob).hexdigest():
            raise InputError(f"{name}: {path} does not match its signed hash (altered); refused")
    return manifest, public


def open_sealed(path: str | Path, kind: str, body_name: str, *, passphrase: str | None = None,
                identity=None) -> Opened:
    """Decrypt and verify every signature and hash; raises InputError/KeyError_ naming the file."""
    path = Path(path)
    data, _enc = decrypt(read_file(path), path.name, passphrase, identity)
    members = _members(data, path.name)
    manifest, public = _check(members, kind, body_name, path.name)
    body = json.loads(members[body_name])
    if not isinstance(body, dict) or body.get("created_at") != manifest.get("created_at"):
        raise InputError(f"{path.name}: {body_name} does not match its manifest; refused")
    return Opened(body, public, signing.fingerprint(public), json.loads(members[SIGNER]),
                  hashlib.sha256(members[MANIFEST]).hexdigest(), manifest["created_at"])
