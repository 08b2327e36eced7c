"""Files the app writes for the user (PDFs, exports): created new, readable by the owner only."""

from __future__ import annotations

import os


def write_new(path: str | os.PathLike, data: bytes, option: str = "file") -> None:
    """Create `path` owner-only (0600) and write `data`; never overwrites. Errors name `option`."""
    from triage_desk.errors import InputError

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{option}: {path} already exists; choose a new file name") from None
    except OSError as exc:
        raise InputError(f"{option}: cannot create {path} ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
