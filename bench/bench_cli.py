"""Figure `cli_cold_start`: `triage-desk assess FILE` as a fresh process, against `triage-desk --version`
(the same interpreter, package and entry point doing nothing) as its floor. Median of 7 runs each,
interleaved, bytecode warm."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
FACTS = {"subject": {"kind": "child", "age": 7}, "indicators": ["health.missed_checks"],
         "consent": {"referral": "given"}, "received_at": "2026-11-20T16:30"}


def _run(args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode compiled (pip does it)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "triage_desk", *args], env=env, cwd=ROOT, check=True,  # `-m`: cwd first
                   capture_output=True)
    return time.perf_counter() - t0


def cli_cold_start() -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        facts = Path(tmp) / "facts.json"
        facts.write_text(json.dumps(FACTS))
        _run(["assess", str(facts)])  # warm the bytecode and the page cache
        assess, version = [], []
        for _ in range(RUNS):
            assess.append(_run(["assess", str(facts)]))
            version.append(_run(["--version"]))
    return Figure("cli_cold_start", statistics.median(assess) * 1000, "ms", statistics.median(version) * 1000,
                  "ratio <= 2 (floor: triage-desk --version)")


FIGURES = {"cli_cold_start": cli_cold_start}
