"""User name and password as the sign-in dialog and the lock screen ask for them, and how a refused
sign-in shows: the password cleared, the reason in words, the cursor back in the password."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout

from triage_desk.errors import TriageError
from triage_desk.ui.widgets import ErrorLabel, PasswordField, add_row, line_edit


class SignInFields:
    """The two rows (in `form`) and the error line; `whose` words the prompts ("your" / "the")."""

    def __init__(self, username_hint: str = "", whose: str = "your"):
        self.whose = whose
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.username = line_edit("User name", username_hint)
        add_row(self.form, "&User name:", self.username)
        self.password = PasswordField("Password")
        add_row(self.form, "&Password:", self.password)
        self.error = ErrorLabel()

    def credentials(self) -> tuple[str, str] | None:
        """(user name, password) as typed; None, with the empty one named and focused, when one is missing."""
        name, password = self.username.text().strip().lower(), self.password.text()
        for value, field, what in ((name, self.username, "user name"), (password, self.password, "password")):
            if not value:
                self.error.show_error(f"Enter {self.whose} {what}.")
                field.setFocus()
                return None
        return name, password

    def set_editable(self, editable: bool) -> None:
        # Read-only, not disabled: focus stays in the field, so Enter keeps meaning sign in / unlock.
        for field in (self.username, self.password):
            field.setReadOnly(not editable)

    def refused(self, exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        self.password.clear()
        self.error.show_error(str(exc))
        self.password.setFocus()
