"""Real Chromium signs in on the test identity provider's form (devidp/) and is sent back to
the client with a code. Here, beside the other browser tests, so one Playwright serves them
all (tests/e2e/conftest.py's browser)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.e2e.conftest import follow


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"back at the client")

    def log_message(self, *args):
        pass


@pytest.fixture
def callback_server():
    server = HTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    server.shutdown()
    server.server_close()


def test_chromium_signs_in_on_the_provider_form(oidc_entra, callback_server, browser):
    user = oidc_entra.add_user({"preferred_username": "browser@hollinspark.sch.uk"},
                               password="chromium-pw")
    client_id, _ = oidc_entra.add_client(callback_server)
    url = oidc_entra.discovery()["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": callback_server,
        "scope": "openid profile email", "state": "s-1", "nonce": "n-1",
        "prompt": "select_account"})
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("wrong")
    follow(page.get_by_role("button", name="Sign in"))
    assert "do not match" in page.locator("[role=alert]").inner_text()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("chromium-pw")
    follow(page.get_by_role("button", name="Sign in"))
    page.wait_for_url(callback_server + "?**")
    query = parse_qs(urlparse(page.url).query)
    assert query["state"] == ["s-1"] and query["code"][0]
    assert "back at the client" in page.content()
    context.close()
