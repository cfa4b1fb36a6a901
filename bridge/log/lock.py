"""One writer per incident: an exclusive lock on the incident folder, held for as long as a process writes
its log.

The lock is `fcntl.flock` on a file in the folder (`.lock`, which holds the holder's pid so a refusal can
name it). The kernel drops a flock when its holder dies, however it dies, so a lock left by a killed
process is no lock at all: the next process simply takes it. The file itself may stay behind; it means
nothing unless someone holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from ..errors import UsageError

__all__ = ["LOCK_NAME", "FolderLock"]

LOCK_NAME = ".lock"


class FolderLock:
    """Holds the incident folder `folder` (created, private, when missing) until `release`; refuses with one
    line naming the holder's pid when another process holds it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"cannot create the incident folder {folder}: {e.strerror}") from None
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as e:
                raise UsageError(f"cannot lock the incident folder {folder}: {e.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                who = f"process {holder}" if holder else "another process"
                raise UsageError(
                    f"{folder} is being written by {who} (another bridge); stop it first, or choose another --out"
                ) from None
            # The file may have been removed (a failed start cleaning up) between opening and locking it: a
            # lock on a removed file would shut nobody else out, so lock the file that is there now.
            if _same_file(fd, self.path):
                break
            os.close(fd)
        with contextlib.suppress(OSError):  # a full disk: the lock holds all the same, unnamed
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self, *, remove: bool = False) -> None:
        """Let another process write the folder; with `remove`, take the lock file away too (a start that
        failed and leaves the folder as it found it)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)  # while still held: nobody can have locked the file being removed
        os.close(self._fd)  # closing drops the flock
        self._fd = None


def _holder(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None


def _same_file(fd: int, path: Path) -> bool:
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
