"""Open a bundle and check everything before anything in it is shown (issue 5 points 4 and 7).

`open_bundle` decrypts in memory (nothing is extracted to disk), enforces the limits in `limits.py`,
checks the Ed25519 signature over the exact manifest bytes, every member's size and sha256, the
member list both ways, the format version, and whether the signer is trusted by this database.
It raises only when the file cannot be read or decrypted at all; every other problem is reported in
`VerifiedBundle.problems` / `.members`, and the contents are available only when the bundle is intact.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from triage_desk.bundle import limits, signing
from triage_desk.bundle import manifest as mf
from triage_desk.errors import InputError, KeyError_

AGE_MAGIC = b"age-encryption.org/v1\n"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class MemberCheck:
    path: str
    ok: bool
    detail: str  # plain words: "sha256 and size match", "missing", "sha256 does not match", ...


@dataclass
class VerifiedBundle:
    path: Path
    encryption: str  # "passphrase" | "identity" | "none"
    format_version: int | None = None
    case_ref: str | None = None
    case_id: str | None = None
    signer: dict = field(default_factory=dict)  # signer.json: username, display_name, role, workstation, identity
    fingerprint: str | None = None  # sha256 hex of the signer's raw public key
    public_key: bytes | None = None
    signed_at: str | None = None  # manifest created_at (UTC, ISO 8601)
    audit_head: str | None = None
    signature_ok: bool = False
    members: list[MemberCheck] = field(default_factory=list)
    trusted: bool = False
    trust_source: str | None = None  # "this database's user NAME" | "trust list" | None
    problems: list[str] = field(default_factory=list)
    manifest: dict | None = None
    _contents: dict = field(default_factory=dict, repr=False)

    @property
    def identity(self) -> str:
        return str(self.signer.get("identity") or self.signer.get("username") or "unknown signer")

    @property
    def intact(self) -> bool:
        return self.signature_ok and not self.problems and bool(self.members) and all(m.ok for m in self.members)

    @property
    def ok(self) -> bool:
        """Intact and signed by a trusted key: the only state in which the CLI exits 0."""
        return self.intact and self.trusted

    def _member(self, name: str) -> bytes:
        if not self.intact:
            raise InputError(f"bundle {self.path.name}: not intact; its contents are not shown")
        return self._contents[name]

    @property
    def document(self) -> dict:
        """case.json: the referral document with its decision and checks."""
        from triage_desk.referral_rows import load

        return load(self._member(mf.CASE), mf.CASE)

    @property
    def pdf(self) -> bytes:
        return self._member(mf.SUMMARY)

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self._member(mf.AUDIT).decode("utf-8").splitlines() if line.strip()]

    def signature_lines(self) -> list[str]:
        """Who signed the case's decision and approval, in words (only once the bundle is intact)."""
        from triage_desk.statements import signature_lines

        if not self.intact:
            return []
        try:
            section = self.document.get("decision")
        except InputError:
            return []
        return signature_lines(section) if isinstance(section, dict) else ["no threshold decision in the bundle"]

    def summary_lines(self) -> list[str]:
        """The report the CLI prints and the GUI shows (no case content: ids and checks only)."""
        lines = [f"bundle:       {self.path}",
                 f"encryption:   {self.encryption}",
                 f"signer:       {self.identity}",
                 f"fingerprint:  {signing.display_fingerprint(self.fingerprint) if self.fingerprint else 'unknown'}",
                 f"signed at:    {self.signed_at or 'unknown'}",
                 f"case:         {self.case_ref or 'unknown'}",
                 f"signature:    {'valid' if self.signature_ok else 'NOT VALID'}"]
        lines += [f"  {'ok  ' if m.ok else 'FAIL'} {m.path}: {m.detail}" for m in self.members]
        lines += [f"problem:      {p}" for p in self.problems]
        lines += [f"statement:    {line}" for line in self.signature_lines()]
        trust = f"yes ({self.trust_source})" if self.trusted else "NO - the signer is not trusted here"
        lines.append(f"trusted:      {trust}")
        lines.append("result:       " + ("intact and trusted" if self.ok else "intact but the signer is not trusted"
                                         if self.intact else "REFUSED: the bundle is damaged or was altered"))
        return lines


def read_file(path: Path) -> bytes:
    """A bundle-like file's bytes, refused (with words) when missing, unreadable or larger than any bundle."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"bundle: file {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"bundle: cannot read {path} ({exc.__class__.__name__})") from None
    if size > limits.MAX_FILE:
        raise InputError(f"bundle {path.name}: {size} bytes is larger than any bundle ({limits.MAX_FILE} at most)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"bundle: cannot read {path} ({exc.__class__.__name__})") from None


def read_identity_file(path: str | Path, option: str = "--identity"):
    """An age X25519 identity from a key file as `age-keygen` writes it (comments allowed)."""
    from pyrage import x25519

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{option}: cannot read {path} ({exc.__class__.__name__})") from None
    keys = [line.strip() for line in text.splitlines() if line.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise InputError(f"{option}: {path} holds no age secret key (AGE-SECRET-KEY-...)")
    try:
        return x25519.Identity.from_str(keys[0])
    except Exception:  # noqa: BLE001 - pyrage's own error types
        raise InputError(f"{option}: the age secret key in {path} is not valid") from None


def decrypt(data: bytes, name: str, passphrase: str | None, identity) -> tuple[bytes, str]:
    """age-decrypt with the passphrase or identity (a zip passes through); wrong key -> KeyError_ (exit 3)."""
    import pyrage

    if data.startswith(ZIP_MAGIC):
        return data, "none"
    if not data.startswith(AGE_MAGIC):
        if not data:
            raise InputError(f"bundle {name}: the file is empty")
        raise InputError(f"bundle {name}: not a Triage Desk bundle (neither age-encrypted nor a zip)")
    if passphrase is None and identity is None:
        raise InputError(f"bundle {name}: it is encrypted: give the bundle passphrase or an age identity file")
    try:
        if identity is not None:
            if isinstance(identity, (str, Path)):
                identity = read_identity_file(identity)
            return pyrage.decrypt(data, [identity]), "identity"
        return pyrage.passphrase.decrypt(data, passphrase), "passphrase"
    except pyrage.DecryptError as exc:
        if str(exc) in ("Decryption failed", "No matching keys found"):
            raise KeyError_(f"bundle {name}: cannot decrypt: wrong passphrase or identity, "
                            "or the file's header was altered") from None
        raise InputError(f"bundle {name}: the encrypted data is damaged, truncated or was altered "
                         "(it does not authenticate); refused") from None


def _read_members(zf: zipfile.ZipFile, vb: VerifiedBundle) -> dict[str, bytes]:
    infos = zf.infolist()
    if len(infos) > limits.MAX_ENTRIES:
        vb.problems.append(f"the zip has {len(infos)} entries (at most {limits.MAX_ENTRIES}); refused")
        return {}
    contents: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        if limits.unsafe_path(name):
            vb.problems.append(f"member {name!r}: its path escapes the bundle (zip-slip); refused")
            continue
        if name in contents:
            vb.problems.append(f"member {name}: appears twice; refused")
            continue
        if name not in mf.ALL_NAMES:
            vb.members.append(MemberCheck(name, False, "extra file not listed in the manifest"))
            continue
        limit = min(limits.MAX_MEMBER, limits.MAX_TOTAL - total)
        if info.file_size > limit:
            vb.problems.append(f"member {name}: {info.file_size} bytes uncompressed is over the limit "
                               f"({limits.MAX_MEMBER} per member, {limits.MAX_TOTAL} in all: zip bomb?); refused")
            continue
        try:
            with zf.open(info) as fh:
                data = fh.read(limit + 1)  # never trust the declared size: read at most one byte past the limit
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:  # RuntimeError: encrypted zip
            vb.problems.append(f"member {name}: cannot be read ({exc.__class__.__name__}): damaged")
            continue
        except NotImplementedError:
            vb.problems.append(f"member {name}: uses an unsupported zip compression method")
            continue
        if len(data) > limit:
            vb.problems.append(f"member {name}: expands beyond the size limit (zip bomb?); refused")
            continue
        total += len(data)
        contents[name] = data
    return contents


def _check_manifest(contents: dict[str, bytes], vb: VerifiedBundle) -> dict | None:
    raw = contents.get(mf.MANIFEST)
    if raw is None:
        vb.problems.append(f"{mf.MANIFEST} is missing: nothing can be checked")
        return None
    if len(raw) > limits.MAX_MANIFEST:
        vb.problems.append(f"{mf.MANIFEST}: larger than any manifest ({limits.MAX_MANIFEST} bytes at most)")
        return None
    try:
        manifest = json.loads(raw)
        if not isinstance(manifest, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError, RecursionError):
        vb.problems.append(f"{mf.MANIFEST}: not a JSON object")
        return None
    version = manifest.get("format_version")
    if manifest.get("format") != mf.FORMAT:
        vb.problems.append(f"{mf.MANIFEST}: format is not {mf.FORMAT}")
        return None
    vb.format_version = version if isinstance(version, int) else None
    if version != mf.FORMAT_VERSION:
        vb.problems.append(f"{mf.MANIFEST}: unknown format version {version!r} (this app reads version "
                           f"{mf.FORMAT_VERSION}); refused")
        return None
    case = manifest.get("case") if isinstance(manifest.get("case"), dict) else {}
    vb.case_ref, vb.case_id = case.get("reference"), case.get("id")
    vb.signed_at, vb.audit_head = manifest.get("created_at"), manifest.get("audit_head")
    vb.manifest = manifest
    return manifest


def _check_signature(contents: dict[str, bytes], manifest: dict, vb: VerifiedBundle) -> None:
    try:
        signer = json.loads(contents[mf.SIGNER])
        public = base64.b64decode(signer["public_key"], validate=True)
        if not isinstance(signer, dict) or len(public) != 32:
            raise ValueError
    except KeyError:
        vb.problems.append(f"{mf.SIGNER} is missing or has no public key: the signature cannot be checked")
        return
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError, binascii.Error):
        vb.problems.append(f"{mf.SIGNER}: damaged (no valid public key)")
        return
    vb.signer = {k: v for k, v in signer.items() if k != "public_key"}
    vb.public_key, vb.fingerprint = public, signing.fingerprint(public)
    sig = contents.get(mf.SIGNATURE)
    if sig is None:
        vb.problems.append(f"{mf.SIGNATURE} is missing: the bundle is not signed")
        return
    vb.signature_ok = len(sig) == 64 and signing.verify_signature(public, sig, contents[mf.MANIFEST])
    if not vb.signature_ok:
        vb.problems.append("the signature does not match the manifest: the manifest was altered or signed by "
                           "another key")
    if manifest.get("signer_fingerprint") != vb.fingerprint:
        vb.problems.append("the manifest names a different signer key than signer.json holds")


def _check_members(contents: dict[str, bytes], manifest: dict, vb: VerifiedBundle) -> None:
    listed = manifest.get("members") if isinstance(manifest.get("members"), list) else []
    seen = set()
    for entry in listed:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or path not in mf.MEMBERS or path in seen:
            vb.problems.append(f"{mf.MANIFEST}: lists an unexpected member {path!r}")
            continue
        seen.add(path)
        data = contents.get(path)
        if data is None:
            vb.members.append(MemberCheck(path, False, "listed in the manifest but missing from the bundle"))
        elif entry.get("size") != len(data) or entry.get("sha256") != mf.sha256_hex(data):
            vb.members.append(MemberCheck(path, False, "sha256 does not match the manifest: altered"))
        else:
            vb.members.append(MemberCheck(path, True, f"sha256 and size match ({len(data)} bytes)"))
    for path in mf.MEMBERS:
        if path not in seen:
            vb.problems.append(f"{mf.MANIFEST}: does not list {path}")
    if vb.public_key and contents.get(mf.SIGNER_PEM):
        try:
            if signing.public_key_from_pem(contents[mf.SIGNER_PEM], mf.SIGNER_PEM) != vb.public_key:
                vb.problems.append(f"{mf.SIGNER_PEM} holds a different key than {mf.SIGNER}")
        except InputError as exc:
            vb.problems.append(str(exc))


def _check_case(contents: dict[str, bytes], vb: VerifiedBundle) -> None:
    from triage_desk.referral_rows import load

    if vb.problems or not all(m.ok for m in vb.members):
        return
    try:
        doc = load(contents[mf.CASE], mf.CASE)
    except InputError as exc:
        vb.problems.append(f"{mf.CASE}: {exc}")
        return
    if doc.get("id") != vb.case_id or doc.get("reference") != vb.case_ref:
        vb.problems.append(f"{mf.CASE}: is not the case the manifest names")
    try:
        for line in contents[mf.AUDIT].decode("utf-8").splitlines():
            if line.strip():
                json.loads(line)
    except (UnicodeDecodeError, ValueError, RecursionError):
        vb.problems.append(f"{mf.AUDIT}: not JSON lines")


def check_trust(session, public_key: bytes, signed_at: str | None = None) -> tuple[bool, str | None]:
    """Trusted when, at `signed_at` (the manifest's time), the key was an enabled user's here (by the signed
    role grants: a disabled user's key is not trusted for what it signed afterwards) or is on the trust list."""
    from datetime import timedelta

    from triage_desk.bundle.proof import naive_utc, standing

    when = naive_utc(signed_at) if signed_at else None
    if when is not None:
        when += timedelta(seconds=1)  # the manifest's time is cut to whole seconds: the end of that second
    role, whose = standing(session, public_key, when)
    if role is None:
        return False, None
    return True, "trust list" if whose.startswith("a signer") else whose


def open_bundle(path: str | Path, *, passphrase: str | None = None, identity=None, ws=None) -> VerifiedBundle:
    """Decrypt and verify a bundle. `identity`: an age identity (pyrage x25519.Identity) or its key file.

    Raises InputError / KeyError_ when the file cannot be read or decrypted (wrong passphrase, flipped or
    missing bytes in the encrypted file, not a bundle, not a zip). With `ws`, trust is looked up in its
    database; without, the signer is reported untrusted. Nothing is written anywhere.
    """
    path = Path(path)
    data = read_file(path)
    plain, encryption = decrypt(data, path.name, passphrase, identity)
    vb = VerifiedBundle(path=path, encryption=encryption)
    try:
        zf = zipfile.ZipFile(io.BytesIO(plain))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(f"bundle {path.name}: the content is not a readable zip (truncated or damaged); "
                         "refused") from None
    with zf:
        contents = _read_members(zf, vb)
    manifest = _check_manifest(contents, vb)
    if manifest is not None:
        _check_signature(contents, manifest, vb)
        _check_members(contents, manifest, vb)
        _check_case(contents, vb)
    if vb.public_key is not None and ws is not None:
        with ws.session() as s:
            vb.trusted, vb.trust_source = check_trust(s, vb.public_key, vb.signed_at)
    if vb.intact:
        vb._contents = contents
    return vb


def record_view(ws, vb: VerifiedBundle) -> None:
    """Audit that a signed-in user looked at an intact bundle's case (the GUI calls this before showing it)."""
    from triage_desk import audit

    if not vb.intact or ws is None or ws.user is None:
        return
    with ws.session() as s:
        audit.record(s, ws.actor, "bundle.view", "referral", vb.case_id, reference=vb.case_ref,
                     fingerprint=vb.fingerprint, trusted=vb.trusted)
