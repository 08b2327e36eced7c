"""Files the app writes for the user (PDFs, exports) and its own small JSON files (key file, audit anchor):
readable by the owner only."""

from __future__ import annotations

import json
import os
from pathlib import Path


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


def replace_json(path: Path, doc: dict) -> None:
    """Replace `path` with `doc` as JSON, atomically: written owner-only from the first byte to a temporary
    file beside it, synced, then renamed over, so a crash mid-write leaves the previous file. OSError
    propagates (the temporary file removed); callers say what failing means for them."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
