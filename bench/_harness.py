"""Shared pieces for bench modules: `Figure` and timing helpers (imported as `from _harness import ...`)."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float
    goal: str

    @property
    def ratio(self) -> float:
        return round(self.value / self.floor, 3) if self.floor else float("inf")

    def as_json(self) -> dict:
        d = asdict(self)
        d["value"] = round(self.value, 4)
        d["floor"] = round(self.floor, 4)
        d["ratio"] = self.ratio
        return {k: d[k] for k in ("name", "value", "unit", "floor", "ratio", "goal")}


def best_of(fn, repeat: int = 5) -> float:
    """Median wall time of `fn()` in seconds over `repeat` runs (median: robust to a noisy neighbour)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


BENCH_PASSPHRASE = "bench passphrase 123"  # throwaway synthetic databases only
BENCH_PASSWORD = "bench-password-1"


def cached_workspace(path, n: int, *, seed: int, generate: int | None = None, submitted_only: bool = False):
    """An encrypted bench workspace in `path` holding at least `n` referrals (submitted ones only, if asked),
    signed in as its admin; built once with `demo.bulk_generate(generate or n)` and reused by later runs."""
    import shutil

    import keyring
    from keyring.backends import null
    from sqlalchemy import func, select

    from triage_desk import demo
    from triage_desk.models import Referral, User
    from triage_desk.workspace import init_workspace, is_initialised, open_workspace

    keyring.set_keyring(null.Keyring())  # never touch the developer's keyring
    if is_initialised(path):
        ws = open_workspace(path, passphrase=BENCH_PASSPHRASE)
        with ws.session() as s:
            query = select(func.count()).select_from(Referral)
            if submitted_only:
                query = query.where(Referral.status != "draft")
            count = s.execute(query).scalar_one()
            ws.user = s.execute(select(User).where(User.username == "bench")).scalar_one()
        if count >= n:
            print(f"note: reusing the cached {count:,}-referral database in {path}", flush=True)
            return ws
        ws.close()
        shutil.rmtree(path)
    total = generate or n
    print(f"note: building a {total:,}-referral database in {path} (cached for later runs)", flush=True)
    ws, _ = init_workspace(path, admin_username="bench", admin_display_name="Bench", admin_password=BENCH_PASSWORD,
                           passphrase=BENCH_PASSPHRASE)
    stats = demo.bulk_generate(ws, total, seed=seed, batch=50000)
    print(f"note: bulk_generate wrote {stats['referrals']:,} referrals and {stats['people']:,} people in "
          f"{stats['seconds']:.0f} s ({stats['per_second']:,}/s)", flush=True)
    return ws
