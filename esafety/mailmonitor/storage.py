"""Where the whole captured messages live: the data folder's mailmonitor/ folder, one
folder per school, each file 0600 (only the service account may read it)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings

from esafety.web import filemodes

EVIDENCE_MODE = 0o600


def folder(school_slug: str) -> Path:
    return filemodes.private_dir(Path(settings.DATA_DIR) / "mailmonitor" / school_slug)


def save(school_slug: str, sha256: str, raw: bytes) -> str:
    """Write the message (synced to disk) and return its name inside the school's folder."""
    name = f"{sha256[:16]}-{secrets.token_hex(6)}.eml"
    filemodes.write_private(folder(school_slug) / name, raw, mode=EVIDENCE_MODE)
    return name


def path_of(school_slug: str, name: str) -> Path | None:
    """The file for a stored name (None for a name that is not a plain file name)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return Path(settings.DATA_DIR) / "mailmonitor" / school_slug / name


def read(school_slug: str, name: str, limit: int) -> bytes | None:
    """The first `limit` bytes of a stored message (None when it is not there)."""
    path = path_of(school_slug, name)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def delete(school_slug: str, name: str) -> bool:
    path = path_of(school_slug, name)
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def delete_older_than(school_slug: str, timestamp: float) -> int:
    """Delete the school's files last written before `timestamp`; how many."""
    base = Path(settings.DATA_DIR) / "mailmonitor" / school_slug
    if not base.is_dir():
        return 0
    gone = 0
    for path in base.glob("*.eml"):
        try:
            if path.stat().st_mtime < timestamp:
                path.unlink()
                gone += 1
        except OSError:
            continue
    return gone
