"""Child process for tests/test_drafts_crash.py: autosaves one draft in a tight loop, printing
"committed N" after each commit, until the test kills it with SIGKILL."""

from __future__ import annotations

import sys


def build(doc: dict, n: int) -> dict:
    """Revision n of the draft: every part the wizard touches changes with n."""
    doc["concerns"] = {"narrative": f"Synthetic narrative, revision {n}. " + "x" * (n % 400), "revision": n}
    doc["household"] = [{"name": f"Member {k} Testperson", "relationship": "aunt"} for k in range(n % 7)]
    return doc


def main() -> None:
    import keyring
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())
    from sqlalchemy import select

    from triage_desk import intake
    from triage_desk.models import User
    from triage_desk.workspace import open_workspace

    data_dir, draft_id, passphrase = sys.argv[1:4]
    ws = open_workspace(data_dir, passphrase=passphrase)
    with ws.session() as s:
        ws.user = s.execute(select(User).where(User.username == "officer")).scalar_one()
    doc, _ = intake.resume_draft(ws, draft_id)
    n = doc["concerns"]["revision"]
    print(f"start {n}", flush=True)
    while True:
        n += 1
        intake.save_draft(ws, build(doc, n), f"step-{n % 5}")
        print(f"committed {n}", flush=True)


if __name__ == "__main__":
    main()
