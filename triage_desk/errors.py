"""Errors a user may see. Each message names the field, file or setting at fault in plain words
and never carries personal data (no names, no case narrative): they end up in dialogs and logs."""


class TriageError(Exception):
    """Base for every error meant for a person. `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(TriageError):
    """Bad input from a user or a file: names the field / JSON path / file and the problem."""

    exit_code = 2


class KeyError_(TriageError):
    """The data key could not be obtained or is wrong (wrong passphrase, damaged key file)."""

    exit_code = 3


class StoreError(TriageError):
    """The database or data directory cannot be used (corrupt, read-only, locked by another instance)."""

    exit_code = 4


class PermissionDenied(TriageError):
    """The signed-in user's role does not allow the action."""

    exit_code = 5


class AuthError(TriageError):
    """Wrong user name or password, disabled account, or throttled after failed logins."""

    exit_code = 6


class Cancelled(TriageError):
    """The person stopped a long piece of work before it finished (nothing was changed)."""
