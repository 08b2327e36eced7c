"""Find committed transactions in a write-ahead log that SQLite would silently skip.

SQLite replays a `-wal` frame by frame and stops at the first frame whose salts or running checksum
do not match; everything after it is ignored and, when the last connection closes, the log is
deleted. One damaged byte can therefore drop any number of committed transactions without a word.

SQLCipher encrypts only the page images inside the frames: the 32-byte log header and the 24-byte
frame headers (page number, commit marker, salts, running checksum) are plain, so the log can be
walked here before any connection opens it (https://www.sqlite.org/fileformat2.html#walformat).
A frame counts as "not replayable" when it carries this log's salts but lies after the point where
replay stops; each such frame with a commit marker is one committed transaction that would be lost —
except when the break lies in the log's last transaction (its commit frame the last frame of this log):
that is a commit cut short by a crash, never reported saved, and SQLite rightly drops it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEADER = 32
FRAME_HEADER = 24
_MAGICS = (0x377F0682, 0x377F0683)  # low bit set: checksums use big-endian words


@dataclass(frozen=True)
class WalReport:
    frames: int  # frames in the file (whole ones)
    replayable: int  # frames SQLite will apply (up to and including the last good commit)
    lost_frames: int  # frames of this log that lie after the break
    lost_transactions: int  # commit markers among them (at least 1 when any lost frame exists)

    @property
    def damaged(self) -> bool:
        return self.lost_transactions > 0


def _checksum(data: bytes, big_endian: bool, s1: int, s2: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    mask = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        s1 = (s1 + words[i] + s2) & mask
        s2 = (s2 + words[i + 1] + s1) & mask
    return s1, s2


def inspect(wal_path: Path) -> WalReport:
    """Walk `wal_path` as SQLite's recovery would and count what it would leave behind."""
    data = Path(wal_path).read_bytes()
    if len(data) < HEADER:
        return WalReport(0, 0, 0, 0)
    magic, _version, page_size, _seq, salt1, salt2, ck1, ck2 = struct.unpack(">8I", data[:HEADER])
    size = FRAME_HEADER + page_size if 512 <= page_size <= 65536 else 0
    frames = (len(data) - HEADER) // size if size else 0
    big = magic & 1 == 1
    header_ok = magic in _MAGICS and size and _checksum(data[:24], big, 0, 0) == (ck1, ck2)
    if not header_ok:
        # SQLite ignores the whole log: every commit marker in it is a lost transaction.
        commits = sum(1 for n in range(frames) if _frame_header(data, n, size)[1] != 0)
        return WalReport(frames, 0, frames, commits or (1 if frames else 0))
    s1, s2 = ck1, ck2
    replayable = good = 0
    for n in range(frames):
        pgno, commit, fs1, fs2, fc1, fc2 = _frame_header(data, n, size)
        start = HEADER + n * size
        s1, s2 = _checksum(data[start:start + 8] + data[start + FRAME_HEADER:start + size], big, s1, s2)
        if (fs1, fs2) != (salt1, salt2) or (fc1, fc2) != (s1, s2) or pgno == 0:
            break
        good = n + 1
        if commit:
            replayable = good
    ours = [n for n in range(good, frames) if _frame_header(data, n, size)[2:4] == (salt1, salt2)]
    commit_at = [n for n in ours if _frame_header(data, n, size)[1] != 0]
    if commit_at and commit_at == [ours[-1]] and ours == list(range(good, ours[-1] + 1)):
        # The break lies in the log's last transaction, up to its commit frame and nothing of this log after:
        # a commit cut short (a crash while its frames were written over older ones). It was never reported
        # saved, and dropping it is what SQLite does; bit rot there looks the same and is treated alike.
        return WalReport(frames, replayable, 0, 0)
    commits = len(commit_at)
    if good < frames and commits == 0 and _resyncs(data, good, frames, size, big, salt1, salt2):
        commits = 1  # genuine frames follow the damaged one although their commit marker is unreadable
    return WalReport(frames, replayable, len(ours), commits)


def _frame_header(data: bytes, n: int, size: int) -> tuple[int, int, int, int, int, int]:
    start = HEADER + n * size
    return struct.unpack(">6I", data[start:start + FRAME_HEADER])


def _resyncs(data: bytes, good: int, frames: int, size: int, big: bool, salt1: int, salt2: int) -> bool:
    """Does some frame after the break check out against its predecessor's stored checksum?"""
    for n in range(max(good, 1), frames):
        prev = _frame_header(data, n - 1, size)
        pgno, _commit, fs1, fs2, fc1, fc2 = _frame_header(data, n, size)
        start = HEADER + n * size
        seed = prev[4:6]
        if (fs1, fs2) == (salt1, salt2) and pgno and _checksum(
                data[start:start + 8] + data[start + FRAME_HEADER:start + size], big, *seed) == (fc1, fc2):
            return True
    return False
