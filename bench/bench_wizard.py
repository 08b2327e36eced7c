"""The referral wizard stays responsive while the officer types (a small fresh database; no cached data).

wizard_revalidate       `ReferralWizard.revalidate()` on a fully filled referral: what runs after each pause in
                        typing (the blocking list, step ticks, inline messages, extra steps' own checks);
                        floor: the bare validator `forms.validation.blocking_problems` of the same document.
wizard_autosave_gui     GUI-thread cost of an autosave (snapshot + hand-over to a worker thread); floor: the
                        same save done synchronously (`intake.save_draft`), which is what the GUI would block on.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from _harness import Figure, best_of

PASSWORD = "bench-password-1"
PASSPHRASE = "bench passphrase 123"


def _filled_wizard():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import keyring
    from keyring.backends import null
    from PySide6.QtWidgets import QApplication

    from triage_desk import intake, secretbox
    from triage_desk.workspace import init_workspace

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from intake_helpers import complete, subject

    app = QApplication.instance() or QApplication([])
    keyring.set_keyring(null.Keyring())
    secretbox.DEFAULT_KDF = secretbox.KdfParams(iterations=1, memory_kib=1024, lanes=1)  # set-up only
    ws, _ = init_workspace(Path(tempfile.mkdtemp()) / "data", admin_username="bench", admin_display_name="Bench",
                           admin_password=PASSWORD, passphrase=PASSPHRASE)
    doc = complete(intake.new_draft(ws), subject(), subject("Quorvale", "Second"))
    doc["household"] = [{"id": str(uuid.uuid4()), "name": f"Adult {n}", "dob": "not_known", "age": 30 + n,
                         "gender": "not_known", "relationship": "aunt", "lives_with_subject": "yes"}
                        for n in range(6)]
    from triage_desk.ui.referral_wizard import ReferralWizard

    wizard = ReferralWizard(ws, doc)
    return app, ws, wizard


def wizard_figures() -> list[Figure]:
    from triage_desk import intake
    from triage_desk.forms.validation import blocking_problems

    app, ws, wizard = _filled_wizard()
    assert wizard.blocking.count() >= 1 and len(wizard.steps) >= 9, "a full wizard is measured"
    revalidate = best_of(wizard.revalidate, 15) * 1000
    validator = best_of(lambda: blocking_problems(wizard.doc), 15) * 1000

    def gui_part() -> None:
        wizard._generation += 1
        wizard.save_draft_async(force=True)
        wizard._saving = False  # measure the hand-over only; the worker finishes in the background

    gui = best_of(gui_part, 15) * 1000
    counter = iter(range(10**6))

    def sync_save() -> None:  # an edit each time, so the row is really written
        wizard.doc["concerns"]["narrative"] = f"Synthetic concern, edit {next(counter)}."
        intake.save_draft(ws, wizard.doc, "contact")

    sync = best_of(sync_save, 15) * 1000
    app.processEvents()
    return [Figure("wizard_revalidate", revalidate, "ms", validator, "value <= 50 ms (after a 150 ms typing pause)"),
            Figure("wizard_autosave_gui", gui, "ms", sync, "value <= 5 ms on the GUI thread")]


FIGURES = {"wizard": wizard_figures}
