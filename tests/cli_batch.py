"""Run many `triage-desk` invocations in ONE fresh interpreter (the hostile-input corpus would take
minutes as one process each). Usage: python cli_batch.py JOBS.json -> prints one JSON result list.

Each job is an argv list. Every invocation goes through `triage_desk.cli.main`, exactly as the
`triage-desk` entry point does; an exception escaping main (what a user would see as a traceback)
is reported as "traceback" with its class name.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def main() -> None:
    from triage_desk.cli import main as cli_main

    jobs = json.loads(open(sys.argv[1], encoding="utf-8").read())
    results = []
    for argv in jobs:
        err, out = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = cli_main(argv)
            results.append({"code": code, "err": err.getvalue()[-2000:]})
        except SystemExit as exc:  # argparse refusing options
            results.append({"code": exc.code, "err": err.getvalue()[-2000:]})
        except BaseException as exc:  # noqa: BLE001 - this is what the test looks for
            results.append({"code": "traceback", "err": f"{type(exc).__name__}"})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
