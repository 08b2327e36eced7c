"""The Linux package, built from this checkout and run frozen: installers/linux/build.sh makes the .deb,
`dpkg-deb -x` unpacks it into a temporary root (nothing is installed on the machine), and the frozen app
runs its main commands from a read-only install folder, writing only to its data directory.

Built once per session (67-90 s measured on a loaded 2-core machine); the size and build time
are printed in the test report."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import report_line
from upgrade_helpers import make_oldest_data_dir, secret_files

from triage_desk import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not on this machine (Debian/Ubuntu)"),
]
PASSPHRASE, PASSWORD = "frozen test passphrase 1", "frozen-admin-password-1"


@pytest.fixture(scope="session")
def package(tmp_path_factory, request) -> dict:
    """Build the .deb once; unpack it into a temporary root."""
    work = tmp_path_factory.mktemp("deb-build")
    started = time.monotonic()
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(ROOT / "installers" / "linux" / "build.sh"), "--out", str(work / "out"),
                           "--work", str(work / "work")], capture_output=True, text=True, env=env, timeout=1200)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-4000:]
    deb = Path(done.stdout.strip().splitlines()[-1])
    root = work / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True).stdout
    installed = sum(f.stat().st_size for f in (root / "opt").rglob("*") if f.is_file() and not f.is_symlink())
    report_line(request.config, f"\n[installer] {deb.name}: {deb.stat().st_size / 2**20:.1f} MB package, "
                                f"{installed / 2**20:.0f} MB installed, built in {seconds:.0f} s")
    shutil.rmtree(work / "work", ignore_errors=True)  # PyInstaller's build folder: not needed any more
    return {"deb": deb, "root": root, "control": control, "app": root / "opt" / "triage-desk" / "triage-desk"}


def _env(tmp: Path) -> dict:
    """A clean user environment: own HOME and XDG folders, no keyring (secrets come from files), no display."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ", "TRIAGE_DESK_POLICY_FILE")}
    return {**keep, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(tmp), "QT_QPA_PLATFORM": "offscreen",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


class Frozen:
    """Runs the frozen app with the test's environment; each call returns the CompletedProcess."""

    def __init__(self, app: Path, tmp: Path):
        self.app, self.env = app, _env(tmp)

    def __call__(self, *args: str, expect: int = 0, timeout: int = 180) -> subprocess.CompletedProcess:
        done = subprocess.run([str(self.app), *args], capture_output=True, text=True, env=self.env,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        assert done.returncode == expect, (args, done.returncode, done.stdout[-2000:], done.stderr[-2000:])
        return done


def _snapshot(folder: Path) -> dict[str, tuple]:
    return {str(p.relative_to(folder)): (p.is_dir(), p.stat(follow_symlinks=False).st_size,
                                         p.stat(follow_symlinks=False).st_mtime_ns)
            for p in [folder, *folder.rglob("*")]}


class read_only:
    """The install folder without write permission while the app runs (as it is for users under /opt).
    As root permissions do not stop writes, the before/after snapshot is what proves nothing was written."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self) -> dict:
        self.before = _snapshot(self.folder)
        for p in [self.folder, *self.folder.rglob("*")]:
            if not p.is_symlink():
                p.chmod(stat.S_IMODE(p.stat().st_mode) & ~0o222)
        return self.before

    def __exit__(self, *exc) -> None:
        for p in [self.folder, *self.folder.rglob("*")]:
            if not p.is_symlink():
                p.chmod(stat.S_IMODE(p.stat().st_mode) | 0o200)


def test_package_layout(package):
    root, control = package["root"], package["control"]
    assert "Package: triage-desk" in control and f"Version: {__version__}" in control
    app = package["app"]
    assert app.is_file() and os.access(app, os.X_OK)
    assert os.readlink(root / "usr/bin/triage-desk") == "/opt/triage-desk/triage-desk"
    desktop = (root / "usr/share/applications/triage-desk.desktop").read_text()
    for line in ("Exec=triage-desk %f", "Icon=triage-desk", "MimeType=application/x-triage-desk-case;"):
        assert line in desktop
    mime = (root / "usr/share/mime/packages/triage-desk.xml").read_text()
    assert 'type="application/x-triage-desk-case"' in mime and 'pattern="*.tdcase"' in mime
    assert (root / "usr/share/icons/hicolor/256x256/apps/triage-desk.png").read_bytes().startswith(b"\x89PNG")
    # Data never ships in the package, so installing a newer one over an older cannot touch it: only /opt and
    # /usr are in the payload (no /etc policy, nothing in a home or /var).
    assert sorted(p.name for p in root.iterdir()) == ["opt", "usr"]
    internal = root / "opt/triage-desk/_internal"
    assert (internal / "triage_desk/models/migrations/env.py").is_file()
    assert (internal / "triage_desk/models/migrations/versions/0001_foundation.py").is_file()
    assert (internal / "triage_desk/resources/fonts/DejaVuSans.ttf").is_file()
    assert (internal / "triage_desk/forms/catalogue_default.json").is_file()
    plugins = {p.relative_to(internal / "PySide6/Qt/plugins").as_posix()
               for p in (internal / "PySide6/Qt/plugins").rglob("*.so")}
    assert {"platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so",
            "printsupport/libcupsprintersupport.so"} <= plugins
    # Nothing it does not use: no other Qt modules, no test tooling.
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("QtNetwork.abi3.so", "QtQml.abi3.so", "libQt6Qml.so.6", "libQt6Network.so.6", "pytest",
                     "hypothesis", "tkinter", "libqwayland.so", "libqgtk3.so"):
        assert unwanted not in names, unwanted


def test_frozen_app_runs_from_a_read_only_install(package, tmp_path):
    run = Frozen(package["app"], tmp_path)
    data = tmp_path / "data"
    (tmp_path / "pass.txt").write_text(PASSPHRASE + "\n")
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    (tmp_path / "bundle-pass.txt").write_text("bundle passphrase for the test 1\n")
    db = ["--data-dir", str(data), "--passphrase-file", str(tmp_path / "pass.txt")]
    admin = ["--user", "admin", "--password-file", str(tmp_path / "pw.txt")]
    with read_only(package["root"] / "opt") as before:
        assert run("--version").stdout.strip() == f"triage-desk {__version__}"
        said = run("init", "--admin", "admin", "--admin-password-file", str(tmp_path / "pw.txt"), *db).stdout
        assert "RECOVERY CODE" in said
        assert "20 synthetic referrals" in run("demo", "--referrals", "20", *db, *admin).stdout
        listed = json.loads(run("referral", "list", "--json", *db, *admin).stdout)
        assert len(listed) == 20 and all(r["reference"].startswith("TD-") for r in listed)
        reference = listed[0]["reference"]
        sample = tmp_path / "sample.json"
        run("referral", "export", reference, "--out", str(sample), *db, *admin)
        assessed = json.loads(run("assess", str(sample)).stdout)
        assert assessed["suggested_level"] and "outcomes" in assessed
        bundle = tmp_path / f"{reference}.tdcase"
        run("export", reference, "--out", str(bundle), "--bundle-passphrase-file", str(tmp_path / "bundle-pass.txt"),
            *db, *admin)
        report = run("verify", str(bundle), "--bundle-passphrase-file", str(tmp_path / "bundle-pass.txt"), *db).stdout
        assert "signature:    valid" in report and "ok   summary.pdf" in report  # the PDF rendered with its fonts
        policy = tmp_path / "policy.toml"
        policy.write_text('allow_unencrypted_export = false\ncouncil_name = "Fairshire County Council"\n')
        run.env["TRIAGE_DESK_POLICY_FILE"] = str(policy)  # the IT policy is read and enforced by the frozen app
        refused = run("export", reference, "--out", str(tmp_path / "clear.tdcase"), "--unencrypted", *db, *admin,
                      expect=5)
        assert "IT department" in refused.stderr and not (tmp_path / "clear.tdcase").exists()
        shown = run("--self-test", "--data-dir", str(data)).stdout
        assert shown.startswith("triage-desk self-test: OK") and "Sign in" in shown
        after = _snapshot(package["root"] / "opt")
    assert after == before  # nothing written, renamed or created under the install folder
    assert (data / "triage.db").is_file() and (data / "keys.json").is_file()
    assert not (Path(run.env["HOME"]) / ".local/share/TriageDesk").exists()  # --data-dir was honoured


def test_first_start_self_test_writes_nothing(package, tmp_path):
    run = Frozen(package["app"], tmp_path)
    shown = run("--self-test").stdout  # default data directory under the test's own HOME
    assert shown.startswith("triage-desk self-test: OK") and '"Set up Triage Desk"' in shown
    assert "offscreen" in shown
    assert not (Path(run.env["HOME"]) / ".local/share/TriageDesk").exists()


def test_upgrade_keeps_data_frozen(package, tmp_path):
    """A data directory left by the first release's schema opens with the new build (migrated on first open);
    unpacking the package again over the same root (an upgrade) leaves the data directory alone."""
    run = Frozen(package["app"], tmp_path)
    data = tmp_path / "data"
    made = make_oldest_data_dir(data)
    files = secret_files(tmp_path)
    db = ["--data-dir", str(data), "--passphrase-file", files["passphrase"]]
    users = run("user", "list", *db, "--user", "admin", "--password-file", files["password"]).stdout
    assert all(name in users for name in made["users"])
    assert json.loads(run("referral", "list", "--json", *db, "--user", "lead", "--password-file",
                          files["password"]).stdout) == []  # tables from later migrations now exist
    run("audit", "verify", *db)
    kept = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "triage.lock"}
    subprocess.run(["dpkg-deb", "-x", str(package["deb"]), str(package["root"])], check=True)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "triage.lock"} == kept
    run("audit", "verify", *db)
