"""The data key: 32 random bytes used as the raw SQLCipher key.

Where it lives (design.md §2): in the OS credential store through `keyring` when a usable backend
exists, and *always* as wrapped copies in `keys.json` beside the database — one under the admin
passphrase, one under a recovery code shown once. Losing the keyring never loses the data; changing
the passphrase re-wraps the key and never re-encrypts the database.

The app reads the key file before its first dialog, so this module imports only what reading it needs
(hashing, random numbers and sealing load where they are used).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from triage_desk.errors import KeyError_, StoreError
from triage_desk.paths import KEY_FILE
from triage_desk.private_files import replace_json

KEYRING_SERVICE = "Triage Desk"
FORMAT = 1
SLOT_PASSPHRASE = "passphrase"
SLOT_RECOVERY = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


class NeedsPassphrase(KeyError_):
    """No usable keyring entry: the caller must ask for the passphrase (or recovery code)."""


def _key_check(key: bytes) -> str:
    # Lets us tell "this key belongs to another database" apart from a damaged database.
    import hashlib
    import hmac

    return hmac.new(key, b"triage-desk key check", hashlib.sha256).hexdigest()[:32]


def new_recovery_code() -> str:
    """25 characters (125 bits) in five groups of five, e.g. ABCDE-FGHJK-..."""
    import secrets

    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(25))
    return "-".join(raw[i:i + 5] for i in range(0, 25, 5))


def normalise_recovery_code(code: str) -> str:
    clean = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(clean[i:i + 5] for i in range(0, len(clean), 5))


def keyring_usable() -> bool:
    """False for the fail/null backends (headless servers, CI) and for a backend that errors."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
            return False
        return getattr(backend, "priority", 1) > 0
    except Exception:  # noqa: BLE001 - a broken keyring backend must never stop the app
        return False


@dataclass
class KeyFile:
    """The parsed keys.json: database id, key check value and the wrapped copies of the data key."""

    path: Path
    db_id: str
    check: str
    slots: dict[str, dict] = field(default_factory=dict)
    # False: no keyring has ever been given this key (recorded from creation), so none is asked for it and
    # `keyring` is not even imported; True once a keyring took it, and for key files older than the record.
    in_keyring: bool = True

    # ---- reading and writing -------------------------------------------------------------
    @classmethod
    def load(cls, data_dir: Path) -> KeyFile:
        path = Path(data_dir) / KEY_FILE
        if not path.exists():
            raise KeyError_(f"key file {path} is missing; restore it from backup "
                            "(the database cannot be opened without it or the keyring)")
        try:
            doc = json.loads(path.read_text("utf-8"))
            if doc.get("format") != FORMAT:
                raise ValueError(f"unknown format {doc.get('format')!r}")
            slots = doc["slots"]
            if not isinstance(slots, dict) or not all(isinstance(v, dict) for v in slots.values()):
                raise ValueError("slots")
            return cls(path, str(doc["db_id"]), str(doc["check"]), slots, doc.get("in_keyring") is not False)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise KeyError_(f"key file {path} is damaged ({exc.__class__.__name__}); "
                            "restore it from backup") from None

    def save(self) -> None:
        """Atomic replace: a crash mid-write leaves the previous file intact."""
        doc = {"format": FORMAT, "db_id": self.db_id, "check": self.check, "slots": self.slots,
               "in_keyring": self.in_keyring}
        try:
            # Owner-only from the first byte: the file holds only wrapped keys, but it is still a target.
            replace_json(self.path, doc)
        except OSError as exc:
            raise StoreError(f"cannot write key file {self.path}: {exc.strerror}") from None

    # ---- wrapping -------------------------------------------------------------------------
    def _aad(self, slot: str) -> bytes:
        return f"triage-desk/{self.db_id}/{slot}".encode()

    def wrap(self, slot: str, key: bytes, secret: str) -> None:
        from triage_desk.secretbox import seal

        self.slots[slot] = seal(key, secret, self._aad(slot))

    def unwrap(self, slot: str, secret: str) -> bytes:
        if slot not in self.slots:
            raise KeyError_(f"key file {self.path} has no {slot} slot")
        from triage_desk.secretbox import unseal

        what = "recovery code" if slot == SLOT_RECOVERY else slot
        key = unseal(self.slots[slot], secret, self._aad(slot), what=what)
        if not self.matches(key):
            raise KeyError_(f"key file {self.path} is damaged (key check failed)")
        return key

    def matches(self, key: bytes) -> bool:
        import hmac

        return hmac.compare_digest(_key_check(key), self.check)

    # ---- keyring --------------------------------------------------------------------------
    @property
    def keyring_user(self) -> str:
        return f"data-key/{self.db_id}"

    def key_from_keyring(self) -> bytes | None:
        """The key from the OS credential store, or None (no backend, no entry, stale entry)."""
        if not self.in_keyring or not keyring_usable():
            return None
        try:
            import keyring

            stored = keyring.get_password(KEYRING_SERVICE, self.keyring_user)
            key = bytes.fromhex(stored) if stored else None
        except Exception:  # noqa: BLE001 - KeyringError, dbus failures, bad hex: fall back to passphrase
            return None
        return key if key and len(key) == 32 and self.matches(key) else None

    def key_to_keyring(self, key: bytes) -> bool:
        if not keyring_usable():
            return False
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, self.keyring_user, key.hex())
        except Exception:  # noqa: BLE001
            return False
        if not self.in_keyring:
            self.in_keyring = True
            try:
                self.save()
            except StoreError:  # not recorded: the next start asks for the passphrase once more and tries again
                pass
        return True

    def forget_keyring(self) -> None:
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, self.keyring_user)
        except Exception:  # noqa: BLE001 - nothing stored is fine
            pass


def create_key_file(data_dir: Path, passphrase: str) -> tuple[KeyFile, bytes, str]:
    """New data key, wrapped under the passphrase and a fresh recovery code (returned once)."""
    import secrets
    import uuid

    check_passphrase_strength(passphrase)
    key = secrets.token_bytes(32)
    kf = KeyFile(Path(data_dir) / KEY_FILE, str(uuid.uuid4()), _key_check(key), in_keyring=False)
    code = new_recovery_code()
    kf.wrap(SLOT_PASSPHRASE, key, passphrase)
    kf.wrap(SLOT_RECOVERY, key, normalise_recovery_code(code))
    kf.save()
    kf.key_to_keyring(key)
    return kf, key, code


MIN_PASSPHRASE = 10


def check_passphrase_strength(passphrase: str, field_name: str = "passphrase") -> None:
    from triage_desk.errors import InputError

    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(f"{field_name}: must be at least {MIN_PASSPHRASE} characters")
    if len(set(passphrase)) < 4:
        raise InputError(f"{field_name}: too repetitive")


def unlock(kf: KeyFile, *, passphrase: str | None = None, recovery_code: str | None = None) -> bytes:
    """The data key from the keyring, else from the passphrase or recovery code given."""
    if recovery_code is not None:
        key = kf.unwrap(SLOT_RECOVERY, normalise_recovery_code(recovery_code))
    elif passphrase is not None:
        key = kf.unwrap(SLOT_PASSPHRASE, passphrase)
    else:
        key = kf.key_from_keyring()
        if key is None:
            raise NeedsPassphrase("no usable keyring entry for this database: the passphrase is needed")
        return key
    kf.key_to_keyring(key)  # re-seed a lost or new keyring so the next start is silent
    return key


def change_passphrase(kf: KeyFile, key: bytes, new_passphrase: str) -> None:
    """Re-wrap the same data key: the database itself is untouched."""
    check_passphrase_strength(new_passphrase, "new passphrase")
    if not kf.matches(key):
        raise KeyError_("the data key does not belong to this database")
    kf.wrap(SLOT_PASSPHRASE, key, new_passphrase)
    kf.save()


def replace_recovery_code(kf: KeyFile, key: bytes) -> str:
    """Issue a new recovery code (the old one stops working); shown once to the caller."""
    if not kf.matches(key):
        raise KeyError_("the data key does not belong to this database")
    code = new_recovery_code()
    kf.wrap(SLOT_RECOVERY, key, normalise_recovery_code(code))
    kf.save()
    return code
