"""Benchmark harness: `python bench/run.py [NAME ...] [--json]`.

Every figure is printed beside a floor measured in the same run on the same machine, so the ratio
means something on a noisy 2-core box. Figures come from `bench/bench_*.py` modules, each exposing
`FIGURES = {"name": function}`; a function takes no arguments and returns a `Figure` (or a list of
them). With `--json` one JSON object per line per figure:
{"name", "value", "unit", "floor", "ratio", "goal"} — `goal` is a human-readable string such as
"ratio <= 1.5" or "value <= 50 ms".
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]


def load_figures() -> dict:
    figures: dict = {}
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        # One instance of each module: bench modules share cached (locked) databases by importing each
        # other, so a module an earlier one imported is reused, never loaded a second time.
        module = sys.modules.get(path.stem) or importlib.import_module(path.stem)
        figures.update(module.FIGURES)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="figures to run (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per figure")
    args = parser.parse_args(argv)
    figures = load_figures()
    unknown = [n for n in args.names if n not in figures]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(figures)}")
    for name in args.names or list(figures):
        result = figures[name]()
        for fig in result if isinstance(result, list) else [result]:
            if args.json:
                print(json.dumps(fig.as_json()), flush=True)
            else:
                print(f"{fig.name:<20} {fig.value:>10.4g} {fig.unit:<3} floor {fig.floor:>10.4g} {fig.unit:<3}"
                      f" ratio {fig.ratio:>7.2f}   goal: {fig.goal}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
