"""Password-based sealing: AES-256-GCM under a key stretched with Argon2id.

One mechanism for every secret that a person's passphrase protects: the wrapped copies of the data
key (vault) and users' password hashes (accounts). The KDF parameters travel inside each sealed
blob, so they can be raised later without breaking what is already stored.
"""

from __future__ import annotations

import base64
import hmac
import os
import threading
from dataclasses import dataclass

from triage_desk.errors import KeyError_


@dataclass(frozen=True)
class KdfParams:
    iterations: int = 3
    memory_kib: int = 64 * 1024  # 64 MiB: ~0.15 s on one core of this class of PC
    lanes: int = 4


# Tests lower this (conftest) so that hundreds of key wraps stay fast; production never does.
DEFAULT_KDF = KdfParams()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# One derivation at a time: cryptography 50's Argon2id hangs, or fails with MemoryError, when two run at
# once in one process (e.g. the unlock dialog's and a sign-in's); it releases the GIL, so nothing else waits.
_one_at_a_time = threading.Lock()


def stretch(secret: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    with _one_at_a_time:
        return Argon2id(salt=salt, length=32, iterations=params.iterations, lanes=params.lanes,
                        memory_cost=params.memory_kib).derive(raw)


def seal(plaintext: bytes, secret: str | bytes, aad: bytes, params: KdfParams | None = None) -> dict:
    """Encrypt `plaintext` under `secret`; `aad` binds the blob to its purpose (e.g. database id + slot)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    params = params or DEFAULT_KDF
    salt, nonce = os.urandom(16), os.urandom(12)
    key = stretch(secret, salt, params)
    return {
        "kdf": "argon2id", "t": params.iterations, "m": params.memory_kib, "p": params.lanes,
        "salt": _b64(salt), "nonce": _b64(nonce),
        "ct": _b64(AESGCM(key).encrypt(nonce, plaintext, aad)),
    }


def unseal(blob: dict, secret: str | bytes, aad: bytes, what: str = "passphrase") -> bytes:
    """Decrypt a sealed blob; a wrong secret raises KeyError_ naming `what` (never the secret)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        params = KdfParams(int(blob["t"]), int(blob["m"]), int(blob["p"]))
        salt, nonce, ct = _unb64(blob["salt"]), _unb64(blob["nonce"]), _unb64(blob["ct"])
        if blob.get("kdf") != "argon2id":
            raise ValueError("unknown kdf")
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyError_(f"the stored {what} record is damaged ({exc.__class__.__name__})") from None
    try:
        return AESGCM(stretch(secret, salt, params)).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise KeyError_(f"wrong {what}") from None


def hash_password(password: str, params: KdfParams | None = None) -> str:
    """Argon2id password hash as one self-describing string: argon2id$t$m$p$salt$hash."""
    params = params or DEFAULT_KDF
    salt = os.urandom(16)
    digest = stretch(password, salt, params)
    return f"argon2id${params.iterations}${params.memory_kib}${params.lanes}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, encoded: str) -> bool:
    try:
        kind, t, m, p, salt, digest = encoded.split("$")
        if kind != "argon2id":
            return False
        params = KdfParams(int(t), int(m), int(p))
        expected = _unb64(digest)
        actual = stretch(password, _unb64(salt), params)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)
