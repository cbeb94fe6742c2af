"""Files in BOT_DATA_DIR hold who was in crisis and when: owner-only, whatever the umask.

Everything the bot creates there goes through these helpers: the folder `0700` when the bot
creates it, every file `0600` from the moment it exists (never created wider and narrowed
later, when another user could already have opened it). SQLite gives a database's `-wal` and
`-shm` files the database file's own permissions, so creating the database file here covers
them. What the bot finds wider than that, it does not change behind the operator's back:
`loose_permissions` words a warning with the `chmod` to run.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """The folder, created owner-only if it does not exist yet (its parents as the umask says)."""
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        return path  # made by someone else meanwhile: reported by loose_permissions, not changed
    # mkdir's mode passes through the umask, which may also take the owner's own bits away.
    os.chmod(path, DIR_MODE)
    return path


def open_private(path: str | os.PathLike[str], flags: int) -> int:
    """`os.open` that creates a missing file owner-only; usable as `open(..., opener=...)`."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return os.open(path, flags & ~(os.O_CREAT | os.O_EXCL))
    try:
        os.fchmod(fd, FILE_MODE)  # as for the folder: the umask may narrow the owner too
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> None:
    """Make sure the file exists, created owner-only if it did not (an empty SQLite database
    file is a valid new database)."""
    private_dir(path.parent)
    os.close(open_private(path, os.O_WRONLY))


def loose_permissions(folder: Path) -> list[str]:
    """One warning per item of the data folder that other users of the machine can reach."""
    try:
        entries = [folder, *sorted(folder.iterdir())]
    except OSError:
        return []
    warnings = []
    for entry in entries:
        try:
            info = entry.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and entry == folder:
            wanted = DIR_MODE
        elif stat.S_ISREG(info.st_mode):
            wanted = FILE_MODE
        else:
            continue
        if info.st_mode & 0o077:
            warnings.append(f"{entry} can be reached by other users of this machine "
                            f"({stat.filemode(info.st_mode)}); run: chmod {wanted:o} {entry}")
    return warnings
