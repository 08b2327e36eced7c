"""Limits for reading a bundle someone else made: nothing in it may make this app use unbounded memory
or write outside where it was asked to (a bundle is read in memory and never extracted to disk)."""

from __future__ import annotations

MAX_FILE = 256 * 1024 * 1024  # encrypted or plain bundle file on disk
MAX_MEMBER = 64 * 1024 * 1024  # any one member, uncompressed
MAX_TOTAL = 192 * 1024 * 1024  # all members together, uncompressed
MAX_ENTRIES = 32  # zip directory entries (a real bundle has 7)
MAX_MANIFEST = 1024 * 1024


def unsafe_path(name: str) -> bool:
    """True when a member name could escape a folder it were extracted into (zip-slip) or is odd."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":  # C:foo
        return True
    return any(part in ("..", "") for part in name.split("/")) or name.endswith("/")
