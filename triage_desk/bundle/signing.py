"""Each user's Ed25519 signing key: made with the account, private half sealed under the user's password.

The sealed record is JSON: {"v": 1, "public_key": base64 raw 32 bytes, "sealed": secretbox blob}. The
AAD binds the sealed private key to its public key, so a record cannot be spliced onto another key.
Bundles are signed over the exact bytes of `manifest.json`; anyone can check that with the raw public
key (or its PEM form and `openssl pkeyutl -verify -rawin`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from triage_desk import secretbox
from triage_desk.errors import AuthError, InputError, KeyError_

_AAD = b"triage-desk/signing-key/v1:"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


@dataclass(frozen=True)
class SigningKeyRecord:
    public_key: bytes  # 32 raw Ed25519 bytes (stored in user.signing_public_key)
    blob: str  # sealed private key (stored in user.signing_key_blob)


def raw_public_key(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(*_RAW)


def _seal(private: Ed25519PrivateKey, password: str) -> SigningKeyRecord:
    public = raw_public_key(private)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    sealed = secretbox.seal(raw, password, _AAD + public)
    blob = json.dumps({"v": 1, "public_key": base64.b64encode(public).decode("ascii"), "sealed": sealed},
                      sort_keys=True)
    return SigningKeyRecord(public, blob)


def generate_signing_key(password: str) -> SigningKeyRecord:
    """A new key pair; the private half sealed under `password`."""
    return new_signing_key(password)[1]


def new_signing_key(password: str) -> tuple[Ed25519PrivateKey, SigningKeyRecord]:
    """A new key pair: the private key (for this session's memory only) and its sealed record."""
    private = Ed25519PrivateKey.generate()
    return private, _seal(private, password)


def unwrap_signing_key(blob: str, password: str) -> Ed25519PrivateKey:
    """The private key; a wrong password raises KeyError_ ("wrong password")."""
    try:
        record = json.loads(blob)
        public = base64.b64decode(record["public_key"], validate=True)
        sealed = record["sealed"]
        if record.get("v") != 1:
            raise ValueError("version")
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyError_(f"the stored signing key record is damaged ({exc.__class__.__name__})") from None
    raw = secretbox.unseal(sealed, password, _AAD + public, what="password (signing key)")
    private = Ed25519PrivateKey.from_private_bytes(raw)
    if raw_public_key(private) != public:
        raise KeyError_("the stored signing key record is damaged (public key mismatch)")
    return private


def rewrap_signing_key(blob: str, old_password: str, new_password: str) -> str:
    """The same key sealed under a new password (own password change)."""
    return _seal(unwrap_signing_key(blob, old_password), new_password).blob


def fingerprint(public_key: bytes) -> str:
    """sha256 hex of the raw 32-byte public key (what the trust list stores)."""
    return hashlib.sha256(public_key).hexdigest()


def display_fingerprint(fp: str) -> str:
    """The fingerprint in groups of four, easier to read aloud when confirming a signer by phone."""
    return " ".join(fp[i:i + 4] for i in range(0, len(fp), 4))


def normalise_fingerprint(text: str, field_name: str = "fingerprint") -> str:
    fp = "".join(str(text or "").split()).replace(":", "").lower()
    if len(fp) != 64 or any(c not in "0123456789abcdef" for c in fp):
        raise InputError(f"{field_name}: must be 64 hexadecimal characters (sha256 of the public key)")
    return fp


def sign(private_key: Ed25519PrivateKey, data: bytes) -> bytes:
    """Raw 64-byte Ed25519 signature of `data` (the exact manifest bytes)."""
    return private_key.sign(data)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_pem(public_key: bytes) -> bytes:
    """SubjectPublicKeyInfo PEM (what `openssl pkeyutl -pubin -inkey` reads)."""
    return Ed25519PublicKey.from_public_bytes(public_key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(data: bytes, source: str = "public key") -> bytes:
    """The raw 32 bytes of an Ed25519 public key in PEM form."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise InputError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{source}: not an Ed25519 public key")
    return key.public_bytes(*_RAW)


def blob_public_key(blob: str) -> bytes:
    """The public key a sealed record belongs to (readable without the password)."""
    try:
        public = base64.b64decode(json.loads(blob)["public_key"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyError_(f"the stored signing key record is damaged ({exc.__class__.__name__})") from None
    if len(public) != 32:
        raise KeyError_("the stored signing key record is damaged (public key length)")
    return public


def ensure_key(session, user, password: str) -> str:
    """The user's sealed signing key record. Accounts made before signing keys existed have none:
    after checking the password one is issued and stored now (in the caller's transaction)."""
    from triage_desk.models import User

    db_user = session.get(User, user.id)
    if not db_user.signing_key_blob:
        if not secretbox.check_password(password, db_user.password_hash):
            raise AuthError("password: wrong password (needed to sign the bundle)")
        record = generate_signing_key(password)
        db_user.signing_public_key, db_user.signing_key_blob = record.public_key, record.blob
        session.flush()
    return db_user.signing_key_blob


def unlock(blob: str, password: str) -> Ed25519PrivateKey:
    """Unwrap for signing; a wrong password is an AuthError naming the password field."""
    try:
        return unwrap_signing_key(blob, password)
    except KeyError_ as exc:
        if "wrong" in exc.message:
            raise AuthError("password: wrong password (needed to sign the bundle)") from None
        raise


def key_for(session, user, password: str) -> Ed25519PrivateKey:
    """The user's private signing key, unlocked with their password (issued first when missing)."""
    return unlock(ensure_key(session, user, password), password)
