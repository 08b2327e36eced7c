"""Joining this workstation to the team server: `triage-desk server join` and the app's "Join my team's
server" screen do the same here (no Qt). Each problem names the field a person typed it in.

The profile written is the one `server.load_profile` reads (`team-server.json`: address and CA file, no
password); the password goes to the OS keyring, never into a file, the database or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from triage_desk import server
from triage_desk.errors import AuthError, InputError, StoreError, TriageError

ADDRESS, CA_FILE, USER, PASSWORD = "address", "ca_file", "user", "password"
FIELD_LABELS = {ADDRESS: "Server address", CA_FILE: "CA certificate file", USER: "User name", PASSWORD: "Password"}
# What server.explain says about each problem, and the field whose value caused it.
_BLAME = (("refused the sign-in", PASSWORD), ("tls certificate", CA_FILE), ("ca certificate file", CA_FILE),
          ("cannot reach", ADDRESS), ("has no database", ADDRESS), ("may not use", USER))


class JoinProblem(TriageError):
    """Joining did not work: `field` is the one at fault (None: nothing typed here can fix it)."""

    def __init__(self, message: str, field: str | None = None, exit_code: int = 2):
        self.field = field
        self.exit_code = exit_code
        prefix = f"{FIELD_LABELS[field]}: " if field else ""
        super().__init__(prefix + message)


@dataclass(frozen=True)
class Joined:
    profile: server.Profile
    path: Path  # the profile file written


def profile_for(address: str, ca_file: str | None, user: str) -> server.Profile:
    """The profile for what was typed: `HOST[:PORT]/DATABASE` or a whole postgresql:// address; the user name
    (the database role) replaces one given in the address; a CA file asks for `sslmode=verify-full`."""
    address, user = (address or "").strip(), (user or "").strip()
    if not address:
        raise JoinProblem("required (for example db.council.local/triage)", ADDRESS)
    url = address if "://" in address else f"postgresql://{address}"
    parts = urlsplit(url)
    if parts.password:
        raise JoinProblem("must not contain a password: type it in the Password box", ADDRESS)
    if not user and not parts.username:
        raise JoinProblem("required (the database user name IT gave you, for example triage_app)", USER)
    if user:
        host = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{user}@{host}")
    query = dict(parse_qsl(parts.query))
    ca = (ca_file or "").strip() or None
    if ca:
        if not Path(ca).is_file():
            raise JoinProblem(f"no file {ca}", CA_FILE)
        query.setdefault("sslmode", "verify-full")
    try:
        checked = server.check_url(urlunsplit(parts._replace(query=urlencode(query))), FIELD_LABELS[ADDRESS])
    except InputError as exc:
        raise JoinProblem(str(exc).split(": ", 1)[1], ADDRESS) from None
    return server.Profile(checked, str(Path(ca).resolve()) if ca else None, "this workstation's settings")


def _blamed(exc: TriageError) -> JoinProblem:
    text = str(exc)
    field = next((f for words, f in _BLAME if words in text.lower()), None)
    # The CLI's advice ("run `triage-desk server join` again") reads as "type it here again" on the screen.
    text = text.replace(" and run `triage-desk server join` again", " and type it again")
    return JoinProblem(text, field, getattr(exc, "exit_code", 4))


def test_connection(profile: server.Profile, password: str | None) -> None:
    """Connect once and check the schema (reachable, certificate trusted, password right, schema this
    app's); each failure a JoinProblem naming the field at fault."""
    try:
        server.connect_checked(profile, password).dispose()
    except (AuthError, StoreError) as exc:
        raise _blamed(exc) from None


def join(data_dir: Path, profile: server.Profile, password: str | None) -> Joined:
    """Test the connection, keep the password in the OS keyring, write the profile: this workstation then
    opens the team server (and only the server) from its next sign-in."""
    test_connection(profile, password)
    if password:
        try:
            server.store_password(profile, password)
        except StoreError as exc:
            raise JoinProblem(str(exc), None, exc.exit_code) from None
    return Joined(profile, server.save_profile(Path(data_dir), profile))
