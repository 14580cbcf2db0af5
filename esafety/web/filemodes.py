"""Who may read what esafety writes to disk.

The data folder holds the database, the secret key and evidence about children. Nobody but
the service account (and, if the operator wants, its group) may read any of it: the folder
is 0751 (others may only pass through, to the published filtering policy Squid reads), the
database and its -wal/-shm files 0640 at most, uploaded files 0640 in 0750 folders, evidence
0440, the keys 0600.

These helpers never import Django, so the settings module can use them.
"""

import os
from pathlib import Path

PRIVATE_DIR = 0o750
PRIVATE_FILE = 0o640


# The data folder itself: others may pass through it (to the published filtering policy in
# filtering/, which Squid's helper reads as its own unprivileged user) but not list it or
# read anything else in it.
DATA_DIR_MODE = 0o751


def private_dir(path: Path, *, passable: bool = False) -> Path:
    """Make `path` (and any missing parents) a folder others cannot enter or list.

    With `passable`, others may still pass through it to a path they know (mode 0751).
    Folders that already exist lose only the permissions for others: an operator who made
    the data folder group-writable for a backup account keeps that.
    """
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DATA_DIR_MODE if passable and folder == path else PRIVATE_DIR)
        except FileExistsError:
            pass
        if passable and folder == path:
            folder.chmod(DATA_DIR_MODE)  # the umask may have taken the x for others away
    _drop_others(path, keep=0o001 if passable else 0)
    return path


def private_file(path: Path) -> None:
    """Take away every permission for others on an existing file (0644 becomes 0640)."""
    _drop_others(Path(path))


def create_private_file(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Create `path` empty with `mode` unless it exists; tighten it if it does.

    SQLite gives its -wal and -shm files the permissions of the database file, so making
    the database file first, privately, keeps all three private.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        _drop_others(path)
    else:
        os.close(fd)
        os.chmod(path, mode)  # the umask may have narrowed it further; keep exactly `mode`


def write_private(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write a new file that is private from its first byte (refuses to overwrite)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _drop_others(path: Path, keep: int = 0) -> None:
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return
    if mode & 0o007 & ~keep:
        try:
            path.chmod(mode & ~(0o007 & ~keep))
        except PermissionError:
            # Not ours to change (e.g. a shared mount): the folder around it is private.
            pass


def sqlite_files(db_path: Path) -> list[Path]:
    db_path = Path(db_path)
    return [db_path, db_path.with_name(db_path.name + "-wal"),
            db_path.with_name(db_path.name + "-shm")]


def secure_sqlite(db_path: Path) -> None:
    """Create the SQLite file privately before SQLite does, and tighten what exists."""
    db_path = Path(db_path)
    if not db_path.parent.exists():
        private_dir(db_path.parent)
    create_private_file(db_path)
    for extra in sqlite_files(db_path)[1:]:
        private_file(extra)


def remove_sqlite_leftovers(db_path: Path) -> None:
    """Remove -wal and -shm files left beside a database file that no longer exists."""
    db_path = Path(db_path)
    if db_path.exists():
        return
    for extra in sqlite_files(db_path)[1:]:
        try:
            extra.unlink()
        except FileNotFoundError:
            pass
