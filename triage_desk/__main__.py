import sys

from triage_desk.cli import main

sys.exit(main())
