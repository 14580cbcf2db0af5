"""The test OpenID Connect provider (devidp/) as pytest fixtures.

Each fixture starts a real ``python -m devidp`` process on 127.0.0.1 (a free port), waits for its
discovery document, and stops it at the end:

- ``oidc_entra`` (also ``oidc_provider``), ``oidc_google``, ``oidc_generic``: one provider of
  that style for the whole session, started the first time a test asks for it. Tests share it:
  add your own users and clients (unique names), and switch misbehaviour only inside
  ``with provider.misbehaving("wrong_issuer"):`` so it is back to "ok" for the next test.
- ``start_oidc_provider(style="entra", tenant=None)``: a provider of your own, stopped when the
  test ends (``provider.stop()`` earlier = "the provider is down").

A provider gives: ``issuer``, ``discovery_url``, ``origin``, ``tenant``, ``style``,
``add_user(claims, password) -> IdpUser``, ``add_client(redirect_uris) -> (id, secret)``,
``set_mode(mode)``, ``misbehaving(mode)``, ``sign_in(authorize_url, username, password)``
(drives the sign-in form with requests and returns the URL the provider sends the browser back
to), ``stop()``. See devidp/README.md.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PASSWORD = "devidp-test-password"


@dataclass
class IdpUser:
    username: str  # what to type on the provider's sign-in form
    password: str
    claims: dict[str, Any]  # as the provider stored them (generated ids filled in)


@dataclass
class DevIdp:
    process: subprocess.Popen[bytes]
    data: Path
    secret: str
    issuer: str
    style: str
    tenant: str
    port: int
    log: Path
    _closed: bool = field(default=False, repr=False)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        response = requests.get(self.discovery_url, timeout=10)
        response.raise_for_status()
        return response.json()

    def jwks(self) -> dict[str, Any]:
        response = requests.get(self.discovery()["jwks_uri"], timeout=10)
        response.raise_for_status()
        return response.json()

    def _api(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.secret}"}
        url = f"{self.origin}/_devidp/{path}"
        if payload is None:
            response = requests.get(url, headers=headers, timeout=10)
        else:
            response = requests.post(url, json=payload, headers=headers, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"devidp {path}: {response.status_code} {response.text}")
        return response.json()

    def add_user(self, claims: dict[str, Any] | None = None, password: str = DEFAULT_PASSWORD,
                 username: str | None = None) -> IdpUser:
        """Add (or update) an account. The login name is ``username`` or else the
        preferred_username, email or sub claim. Claims set to None are left out of tokens."""
        answer = self._api("users", {"password": password, "claims": claims or {},
                                     "username": username})
        return IdpUser(answer["username"], password, answer["claims"])

    def add_client(self, redirect_uris: str | list[str], client_id: str | None = None,
                   client_secret: str | None = None) -> tuple[str, str]:
        """Register a confidential client (code flow, RS256, no consent page)."""
        uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        answer = self._api("clients", {"redirect_uris": uris, "client_id": client_id,
                                       "client_secret": client_secret})
        return answer["client_id"], answer["client_secret"]

    def set_mode(self, mode: str) -> None:
        """"ok", "wrong_issuer", "wrong_audience", "wrong_nonce", "bad_signature", "expired":
        every id_token issued from now on is wrong in that one way."""
        self._api("mode", {"mode": mode})

    def get_mode(self) -> str:
        return str(self._api("mode")["mode"])

    @contextlib.contextmanager
    def misbehaving(self, mode: str) -> Iterator[DevIdp]:
        self.set_mode(mode)
        try:
            yield self
        finally:
            if self.running:
                self.set_mode("ok")

    def sign_in(self, authorize_url: str, username: str, password: str,
                session: requests.Session | None = None) -> str:
        """Open ``authorize_url`` (the provider's authorisation endpoint with the relying
        party's parameters), fill in the sign-in form and return the URL the provider sends the
        browser back to (the relying party's redirect URI with code and state), unfollowed."""
        session = session or requests.Session()
        url = authorize_url
        for _ in range(10):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.origin + "/"):
                    return url
                continue
            if response.status_code == 200 and 'name="password"' in response.text:
                match = re.search(r'name="next" value="([^"]*)"', response.text)
                form = {
                    "username": username,
                    "password": password,
                    "next": html.unescape(match.group(1)) if match else "",
                    "csrfmiddlewaretoken": session.cookies.get("devidp_csrftoken", ""),
                }
                posted = session.post(response.url.split("?")[0], data=form,
                                      allow_redirects=False, timeout=10)
                if not posted.is_redirect:
                    raise RuntimeError(f"devidp refused the sign-in of {username!r}")
                url = urljoin(response.url, posted.headers["Location"])
                if not url.startswith(self.origin + "/"):
                    return url
                continue
            raise RuntimeError(f"devidp answered {response.status_code} at {url}: "
                               f"{response.text[:500]}")
        raise RuntimeError("devidp: too many redirects")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process: the provider is down (connections are refused)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_devidp(data: Path, style: str = "entra", tenant: str | None = None,
                 timeout: float = 60) -> DevIdp:
    """Start ``python -m devidp`` on a free loopback port and wait until discovery answers."""
    data.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    log = data / "devidp.log"
    ready = data / "ready.json"
    ready.unlink(missing_ok=True)
    command = [sys.executable, "-m", "devidp", "serve", "--port", "0", "--style", style,
               # --secret=VALUE: a URL-safe secret may start with "-", which argparse would
               # read as an option of its own (1 start in 64 failed so).
               "--data", str(data), f"--secret={secret}", "--exit-with-parent"]
    if tenant:
        command += ["--tenant", tenant]
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    with open(log, "ab") as log_file:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"devidp exited with {process.returncode}:\n{log.read_text()}")
        if ready.exists():
            try:
                info = json.loads(ready.read_text())
            except ValueError:
                info = {}
            if info.get("pid") == process.pid:
                provider = DevIdp(process, data, secret, info["issuer"], info["style"],
                                  info["tenant"], int(info["port"]), log)
                with contextlib.suppress(requests.RequestException):
                    if requests.get(provider.discovery_url, timeout=2).status_code == 200:
                        return provider
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"devidp did not start in {timeout} s:\n{log.read_text()}")
        time.sleep(0.1)


def _session_provider(tmp_path_factory: pytest.TempPathFactory, style: str) -> Iterator[DevIdp]:
    provider = start_devidp(tmp_path_factory.mktemp(f"devidp-{style}"), style)
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def oidc_entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """An Entra-style provider: issuer http://127.0.0.1:PORT/<tenant>/v2.0; claims tid, oid,
    pairwise sub, preferred_username (UPN), email, name, given/family name, employeeId."""
    yield from _session_provider(tmp_path_factory, "entra")


@pytest.fixture(scope="session")
def oidc_provider(oidc_entra: DevIdp) -> DevIdp:
    """The default test provider: the Entra-style one."""
    return oidc_entra


@pytest.fixture(scope="session")
def oidc_google(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """A Google-style provider: claims sub (21 digits), email, email_verified, hd, name."""
    yield from _session_provider(tmp_path_factory, "google")


@pytest.fixture(scope="session")
def oidc_generic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """A plain provider: claims sub, preferred_username, email."""
    yield from _session_provider(tmp_path_factory, "generic")


@pytest.fixture
def start_oidc_provider(tmp_path: Path) -> Iterator[Any]:
    """start_oidc_provider(style="entra", tenant=None) -> a provider stopped after the test."""
    started: list[DevIdp] = []

    def start(style: str = "entra", tenant: str | None = None) -> DevIdp:
        provider = start_devidp(tmp_path / f"devidp-{len(started)}", style, tenant)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()
