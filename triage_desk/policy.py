"""The machine-wide IT policy file: settings the IT department fixes for every user of a PC.

Where it is: `/etc/triage-desk/policy.toml` (Linux), `%ProgramData%\\TriageDesk\\policy.toml` (Windows),
`/Library/Application Support/TriageDesk/policy.toml` (macOS), or the file named by
`TRIAGE_DESK_POLICY_FILE` (tests, trials). A value set here wins over the user's setting, which wins over
the default. Only the keys in `KEYS` are understood (see installers/README.md for an example file).

A broken policy never stops the app: every problem becomes one message naming the file and the key, the
key is ignored (the user's setting or the default applies), and unencrypted exports - the one setting
where a mistake leaks data - are refused whenever the file exists but does not clearly allow them.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

POLICY_ENV = "TRIAGE_DESK_POLICY_FILE"

IDLE_LOCK_MINUTES = "idle_lock_minutes"
DATA_DIRECTORY = "data_directory"
TEAM_SERVER_PROFILE = "team_server_profile"
TEAM_SERVER_URL = "team_server_url"  # team mode: postgresql://ROLE@HOST/DB?sslmode=verify-full (no password)
TEAM_SERVER_CA_FILE = "team_server_ca_file"
TEAM_SERVER_PASSWORD = "team_server_password"  # only where IT keeps it here rather than each user's keyring
ALLOW_UNENCRYPTED_EXPORT = "allow_unencrypted_export"
COUNCIL_NAME = "council_name"
COUNCIL_LOGO = "council_logo"
BANK_HOLIDAY_REGION = "bank_holiday_region"

# Region name in the policy -> the `holidays` package's GB subdivision (Wales keeps England's bank holidays).
REGIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}

# Plain words for messages and the settings dialog.
LABELS = {
    IDLE_LOCK_MINUTES: "idle auto-lock",
    DATA_DIRECTORY: "data directory",
    TEAM_SERVER_PROFILE: "team server profile",
    TEAM_SERVER_URL: "team server address",
    TEAM_SERVER_CA_FILE: "team server CA certificate",
    TEAM_SERVER_PASSWORD: "team server password",
    ALLOW_UNENCRYPTED_EXPORT: "unencrypted exports",
    COUNCIL_NAME: "council name on PDFs",
    COUNCIL_LOGO: "council logo on PDFs",
    BANK_HOLIDAY_REGION: "bank-holiday region",
}
LOCKED_NOTE = "Set by your IT department"
_LOGO_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # PNG, JPEG: what reportlab draws without surprises
_MAX_BYTES = 64 * 1024  # a policy file is a handful of lines; anything bigger is not one

log = logging.getLogger("triage_desk.policy")


def default_policy_path() -> Path:
    """The machine-wide location for this platform (the env var overrides it)."""
    env = os.environ.get(POLICY_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("ProgramData", r"C:\ProgramData")) / "TriageDesk" / "policy.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/TriageDesk/policy.toml")
    return Path("/etc/triage-desk/policy.toml")


@dataclass(frozen=True)
class Policy:
    """What the policy file fixes. `values` holds only valid keys; `problems` one message per fault."""

    path: Path
    present: bool = False
    values: dict[str, object] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def locked(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)

    @property
    def unencrypted_export_allowed(self) -> bool:
        return bool(self.values.get(ALLOW_UNENCRYPTED_EXPORT, True))

    @property
    def holiday_subdiv(self) -> str | None:
        region = self.values.get(BANK_HOLIDAY_REGION)
        return REGIONS[region] if region else None

    def note(self, key: str) -> str:
        """"Set by your IT department (policy file …)" for a locked field; '' otherwise."""
        return f"{LOCKED_NOTE} (policy file {self.path})." if self.locked(key) else ""


# ---- checking each key -----------------------------------------------------------------------------------
def _int_minutes(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
        raise ValueError("must be a whole number of minutes from 1 to 240")
    return value


def _text(limit: int):
    def check(value: object) -> object:
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"must be text of 1 to {limit} characters")
        return value.strip()
    return check


def _directory(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a folder path")
    path = Path(os.path.expandvars(value.strip())).expanduser()  # per-user folders: ~ or %USERNAME%
    if not path.is_absolute():
        raise ValueError("must be an absolute folder path (it may start with ~ for each user's home)")
    return str(path)


def _boolean(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _logo(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be the path of a PNG or JPEG file")
    path = Path(value.strip()).expanduser()
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        raise ValueError(f"file {path} cannot be read") from None
    if not head.startswith(_LOGO_MAGIC):
        raise ValueError(f"file {path} is not a PNG or JPEG image")
    return str(path)


def _region(value: object) -> object:
    if value not in REGIONS:
        raise ValueError("must be one of " + ", ".join(REGIONS))
    return value


KEYS = {
    IDLE_LOCK_MINUTES: _int_minutes,
    DATA_DIRECTORY: _directory,
    TEAM_SERVER_PROFILE: _text(200),
    TEAM_SERVER_URL: _text(500),
    TEAM_SERVER_CA_FILE: _text(500),
    TEAM_SERVER_PASSWORD: _text(200),
    ALLOW_UNENCRYPTED_EXPORT: _boolean,
    COUNCIL_NAME: _text(120),
    COUNCIL_LOGO: _logo,
    BANK_HOLIDAY_REGION: _region,
}


# ---- reading -----------------------------------------------------------------------------------------------
def parse(path: Path, text: str) -> Policy:
    """The policy in `text` (read from `path`, named in every message)."""
    import tomllib  # only when a policy file exists: most PCs have none, and every start reads the policy

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _broken(path, f"is not valid TOML ({exc})")
    values, problems = {}, []
    for key, value in raw.items():
        check = KEYS.get(key)
        if check is None:
            problems.append(f"policy file {path}: unknown key {key!r} is ignored (known keys: {', '.join(KEYS)})")
            continue
        try:
            values[key] = check(value)
        except ValueError as exc:
            if key == ALLOW_UNENCRYPTED_EXPORT:
                values[key] = False  # fail closed: this is the one setting where a mistake leaks data
                problems.append(f"policy file {path}: key {key!r} {exc}; unencrypted exports are refused")
            else:
                problems.append(f"policy file {path}: key {key!r} {exc}; it is ignored (the user's setting "
                                "or the default applies)")
    return Policy(path, True, values, tuple(problems))


def read(path: Path | None = None) -> Policy:
    """Read the policy file; a missing file is an empty policy. Never raises."""
    path = Path(path) if path is not None else default_policy_path()
    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return Policy(path)
    except OSError as exc:
        return _broken(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})")
    if len(data) > _MAX_BYTES:
        return _broken(path, f"is larger than {_MAX_BYTES} bytes, so it is not a policy file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _broken(path, "is not UTF-8 text")
    return parse(path, text)


def _broken(path: Path, why: str) -> Policy:
    """A present but unusable file: nothing in it applies, except that unencrypted exports are refused."""
    return Policy(path, True, {ALLOW_UNENCRYPTED_EXPORT: False},
                  (f"policy file {path} {why}; its settings are ignored and unencrypted exports are refused "
                   "until it is fixed",))


_cache: dict[tuple, Policy] = {}


def current() -> Policy:
    """The policy in force, re-read when the file changes; its problems are logged once per version."""
    path = default_policy_path()
    try:
        st = path.stat()
        stamp = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (str(path), None, None)
    found = _cache.get(stamp)
    if found is None:
        found = read(path)
        _cache.clear()
        _cache[stamp] = found
        for problem in found.problems:
            log.warning("triage-desk: %s", problem)
    return found
