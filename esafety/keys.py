"""The secret that keys esafety's hash chains, kept outside the database.

The audit trail and every incident's history are HMAC-SHA256 chains. Someone who can
write to the database but does not have this key cannot rewrite a history and recompute
hashes that `esafety evidence verify` accepts.

The key comes from the environment (`ESAFETY_CHAIN_KEY`, at least 32 characters) or, like
the secret key, from a file in the data folder (`DATA_DIR/chain_key`), made once with
mode 0600 the first time it is needed. Back it up with the database: without it, nothing
can be verified.
"""

import functools
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from django.conf import settings

from esafety.errors import ConfigurationError

KEY_FILE_NAME = "chain_key"
MINIMUM_LENGTH = 32


def chain_key() -> bytes:
    """The key for every hash chain, from the setting or the data folder's key file."""
    return _load(getattr(settings, "CHAIN_KEY", "") or "", str(settings.DATA_DIR))


def key_file() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE_NAME


@functools.lru_cache(maxsize=8)
def _load(given: str, data_dir: str) -> bytes:
    if given:
        if len(given.strip()) < MINIMUM_LENGTH:
            raise ConfigurationError(f"ESAFETY_CHAIN_KEY must be at least {MINIMUM_LENGTH} "
                                     "characters (e.g. the output of `openssl rand -hex 32`)",
                                     code="chain-key")
        return given.strip().encode("utf-8")
    path = Path(data_dir) / KEY_FILE_NAME
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        text = _create(path)
    if len(text) < MINIMUM_LENGTH:
        raise ConfigurationError(f"{path} holds no usable key (fewer than {MINIMUM_LENGTH} "
                                 "characters): restore it from your backup", code="chain-key")
    return text.encode("utf-8")


def _create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process is making it: wait for its key rather than make a second one.
        for _ in range(100):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.01)
        return text
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)  # whatever the umask
    return key


def seal(message: str) -> str:
    """HMAC-SHA256 of `message` with the chain key, as 64 hex digits."""
    return hmac.new(chain_key(), message.encode("utf-8"), hashlib.sha256).hexdigest()
