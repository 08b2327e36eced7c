"""Figure `startup`: cold process start until the first dialog a person can use is shown, offscreen, on a
pre-initialised data directory with no keyring: the unlock dialog (it comes after the sign-in window,
once the background open has found no key; `init` ran with no keyring, so keys.json says none holds the
key and `keyring` is not imported); floor: a bare PySide6 QApplication + QMainWindow shown the same way.

Both run as fresh subprocesses and report `time.time()` on the event-loop turn after their first
Show event (the app through its TRIAGE_DESK_EXIT_AFTER_SHOW hook); the figure is that minus the
moment just before the process was spawned. Median of 5 runs each, interleaved.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

FLOOR_SCRIPT = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class Shown(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Show:
            QTimer.singleShot(0, lambda: (print(f"TRIAGE_DESK_SHOWN {time.time():.6f}", flush=True), app.exit(0)))
        return False

app = QApplication(sys.argv[:1])
win = QMainWindow()
win.setWindowTitle("floor")
shown = Shown()
win.installEventFilter(shown)
win.show()
app.exec()
"""


def _env() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRIAGE_DESK_EXIT_AFTER_SHOW="ready",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # An installed app has its bytecode compiled (pip does it); let the warm-up run cache it here too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time_to_show(argv: list[str], env: dict) -> float:
    t0 = time.time()
    # cwd: `-m` looks in the working directory first, so a run from another checkout measured that one
    out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("TRIAGE_DESK_SHOWN "):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"{argv[1:3]} never showed a window (exit {out.returncode}): {out.stderr[-500:]}")


def _init_data_dir(data_dir: Path, env: dict) -> None:
    secrets = data_dir.parent
    (secrets / "pp.txt").write_text("bench passphrase 123\n")
    (secrets / "pw.txt").write_text("bench-password-1\n")
    subprocess.run([sys.executable, "-m", "triage_desk", "init", "--data-dir", str(data_dir), "--admin", "bench",
                    "--passphrase-file", str(secrets / "pp.txt"), "--admin-password-file", str(secrets / "pw.txt")],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)


def startup() -> Figure:
    env = _env()
    with tempfile.TemporaryDirectory(prefix="td-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        _init_data_dir(data_dir, env)
        app_argv = [sys.executable, "-m", "triage_desk", "--data-dir", str(data_dir)]
        floor_argv = [sys.executable, "-c", FLOOR_SCRIPT]
        _time_to_show(floor_argv, env)  # warm the OS file cache for both: we measure start-up, not the disk
        _time_to_show(app_argv, env)
        app_times, floor_times = [], []
        for _ in range(RUNS):
            floor_times.append(_time_to_show(floor_argv, env))
            app_times.append(_time_to_show(app_argv, env))
    return Figure("startup", statistics.median(app_times) * 1000, "ms", statistics.median(floor_times) * 1000,
                  "ratio <= 1.5")


FIGURES = {"startup": startup}
