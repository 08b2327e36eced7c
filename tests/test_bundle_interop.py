"""Independent verification (issue 5 point 5): the real `age` and `openssl` tools open and check a bundle
this app made, following the recipes in docs/bundle-format.md. Skipped only where a tool is absent."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from bundle_helpers import decided_case, export_to, sign_in

pytestmark = [
    pytest.mark.skipif(not (shutil.which("age") and shutil.which("age-keygen") and shutil.which("openssl")),
                       reason="needs the age and openssl command-line tools"),
    pytest.mark.sqlite_only("the bundle file read by age, openssl and jq: the store behind it is not involved"),
]


def _run(*cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=60, **kw)


def test_age_decrypts_and_openssl_verifies_a_bundle_made_by_the_app(workspace, tmp_path):
    from pyrage import x25519

    key = tmp_path / "key.txt"
    assert _run("age-keygen", "-o", str(key)).returncode == 0
    secret = next(line for line in key.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-"))
    recipient = str(x25519.Identity.from_str(secret).to_public())
    sign_in(workspace)
    doc = decided_case(workspace)
    result = export_to(workspace, doc["reference"], tmp_path / "case.tdcase", recipient=recipient)

    # 1. age -d -i key.txt -o case.zip case.tdcase
    done = _run("age", "-d", "-i", str(key), "-o", str(tmp_path / "case.zip"), str(result.path))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "case"
    with zipfile.ZipFile(tmp_path / "case.zip") as zf:
        zf.extractall(out)
    manifest = json.loads((out / "manifest.json").read_bytes())
    # 2. every listed member's sha256 matches (sha256sum)
    for entry in manifest["members"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    # 3. openssl pkeyutl -verify -pubin -inkey signer.pem -rawin -in manifest.json -sigfile manifest.sig
    verify = ("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signer.pem", "-rawin", "-in", "manifest.json",
              "-sigfile", "manifest.sig")
    done = _run(*verify, cwd=out)
    assert done.returncode == 0 and b"Signature Verified Successfully" in done.stdout, done.stderr
    # 4. the key's fingerprint: sha256 of the raw key (the last 32 bytes of its DER form)
    der = _run("openssl", "pkey", "-pubin", "-in", "signer.pem", "-outform", "DER", cwd=out).stdout
    assert hashlib.sha256(der[-32:]).hexdigest() == result.fingerprint == manifest["signer_fingerprint"]
    # ...and a changed manifest fails the same openssl check.
    (out / "manifest.json").write_bytes((out / "manifest.json").read_bytes().replace(b'"format_version":1',
                                                                                     b'"format_version":9'))
    done = _run(*verify, cwd=out)
    assert done.returncode != 0 and b"Signature Verified Successfully" not in done.stdout


def test_a_zip_made_by_age_from_the_app_bundle_matches_what_the_app_reads(workspace, tmp_path):
    """The app's own decryption and the age tool's give the same zip bytes."""
    from bundle_helpers import decrypt
    from pyrage import x25519

    key = tmp_path / "key.txt"
    _run("age-keygen", "-o", str(key))
    secret = next(line for line in key.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-"))
    ident = x25519.Identity.from_str(secret)
    sign_in(workspace)
    doc = decided_case(workspace)
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", recipient=str(ident.to_public())).path
    done = _run("age", "-d", "-i", str(key), str(path))
    assert done.returncode == 0
    assert done.stdout == decrypt(path, ident)
    assert zipfile.ZipFile(io.BytesIO(done.stdout)).testzip() is None


def _age_with_passphrase(args: list[str], passphrase: str) -> int:
    """Run `age` on a pseudo-terminal (it reads passphrases only from a terminal) and answer its prompt."""
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # child: become age
        os.execvp("age", ["age", *args])
    said, sent, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            said += chunk
            if not sent and b"passphrase" in said.lower():
                os.write(fd, passphrase.encode() + b"\n")
                sent = True
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs a pseudo-terminal for age's prompt")
def test_age_decrypts_a_passphrase_bundle_made_by_the_app(workspace, tmp_path):
    sign_in(workspace)
    doc = decided_case(workspace)
    path = export_to(workspace, doc["reference"], tmp_path / "p.tdcase", passphrase="bundle passphrase 456").path
    assert _age_with_passphrase(["-d", "-o", str(tmp_path / "p.zip"), str(path)], "bundle passphrase 456") == 0
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["case"]["reference"] == doc["reference"]


STATEMENT_RECIPE = r"""
jq -j .decision.signed.statement case.json > decision.txt
jq -r .decision.signed.signature case.json | base64 -d > decision.sig
{ printf '\060\052\060\005\006\003\053\145\160\003\041\000'
  jq -r .decision.signed.public_key case.json | base64 -d; } | openssl pkey -pubin -inform DER -out decider.pem
openssl pkeyutl -verify -pubin -inkey decider.pem -rawin -in decision.txt -sigfile decision.sig
"""


@pytest.mark.skipif(not shutil.which("jq"), reason="needs jq")
def test_the_decision_statement_recipe_verifies_with_openssl(workspace, tmp_path):
    """docs/bundle-format.md, "Checking the signed decision": the decider's signature with jq and openssl."""
    sign_in(workspace)
    doc = decided_case(workspace)
    result = export_to(workspace, doc["reference"], tmp_path / "case.tdcase", unencrypted=True)
    out = tmp_path / "case"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(out)
    done = _run("sh", "-c", STATEMENT_RECIPE, cwd=out)
    assert done.returncode == 0 and b"Signature Verified Successfully" in done.stdout, done.stderr
    body = json.loads((out / "decision.txt").read_text("utf-8"))
    assert body["type"] == "triage-desk/decision/v1" and body["by"]["username"] == "officer"
    case = json.loads((out / "case.json").read_text("utf-8"))
    (out / "case.json").write_text(json.dumps(case).replace('\\"final_level\\":', '\\"final_level\\":9'))
    done = _run("sh", "-c", STATEMENT_RECIPE, cwd=out)
    assert b"Signature Verified Successfully" not in done.stdout
