"""The data folder of one provider: its configuration, signing keys and misbehaviour mode.

Everything lives in one folder (``--data DIR``) so a provider can be stopped and started again
with the same users, clients and keys, and so two providers never share anything.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

STYLES = ("entra", "google", "generic")

# What set_mode accepts. "ok" is the well-behaved provider; every other mode makes each
# id_token issued from then on wrong in exactly one way (see validator.py).
MODES = ("ok", "wrong_issuer", "wrong_audience", "wrong_nonce", "bad_signature", "expired")


@dataclass
class Config:
    style: str
    tenant: str  # Entra tenant id (a GUID); unused by the other styles

    @property
    def issuer_path(self) -> str:
        """The path part of the issuer: Entra's ``/<tenant>/v2.0``, nothing for the others."""
        return f"/{self.tenant}/v2.0" if self.style == "entra" else ""


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def load_or_create(data: Path, style: str | None = None, tenant: str | None = None) -> Config:
    """Read DATA/config.json, creating it (and the folder) on first use.

    A data folder keeps the style it was made with: the users' generated identifiers (Entra
    object ids, Google subjects) belong to that style.
    """
    data.mkdir(parents=True, exist_ok=True)
    path = data / "config.json"
    if path.exists():
        config = Config(**json.loads(path.read_text()))
        if style and style != config.style:
            raise SystemExit(
                f"{data} holds a {config.style}-style provider; use another --data folder "
                f"for a {style}-style one"
            )
        if tenant and tenant != config.tenant:
            raise SystemExit(f"{data} holds tenant {config.tenant}, not {tenant}")
        return config
    if style is None:
        raise SystemExit(f"{data} is not a devidp data folder yet: give --style")
    if style not in STYLES:
        raise SystemExit(f"--style must be one of {', '.join(STYLES)}")
    config = Config(style=style, tenant=tenant or str(uuid.uuid4()))
    _write_private(path, json.dumps(asdict(config), indent=2).encode())
    return config


def _rsa_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def signing_key(data: Path, name: str = "signing-key.pem") -> str:
    """The provider's RSA private key (PEM), made at first start and kept (mode 0600).

    ``other-key.pem`` is a second key that is never published: the ``bad_signature`` mode
    signs with it.
    """
    path = data / name
    if not path.exists():
        _write_private(path, _rsa_pem())
    return path.read_text()


def admin_secret(data: Path, given: str | None = None, name: str = "admin-secret") -> str:
    """The shared secret the test endpoints (/_devidp/...) require, kept in DATA/admin-secret
    (``given`` replaces it). With another ``name``, any other secret kept the same way."""
    path = data / name
    if given:
        _write_private(path, given.encode())
        return given
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_text().strip()


def get_mode(data: Path) -> str:
    try:
        mode = (data / "mode").read_text().strip()
    except FileNotFoundError:
        return "ok"
    return mode if mode in MODES else "ok"


def set_mode(data: Path, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    _write_private(data / "mode", mode.encode())
