"""What the frozen app runs: the `triage-desk` command line (no command starts the GUI)."""

import multiprocessing
import sys

# The install folder is read-only for users and must stay untouched: Alembic loads the bundled migration
# scripts from files, and Python would otherwise try to write their __pycache__ beside them.
sys.dont_write_bytecode = True

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `rescore` runs worker processes: they re-enter here
    from triage_desk.cli import main

    sys.exit(main())
