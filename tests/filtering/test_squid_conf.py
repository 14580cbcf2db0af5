"""The shipped Squid examples (contrib/squid/) are valid for the Debian squid package:
squid.conf (proxy authentication) and squid-portal.conf (no proxy authentication: the
whois external ACL helper says who is at each address)."""

import os
import subprocess
from pathlib import Path

import pytest

CONTRIB = Path(__file__).resolve().parents[2] / "contrib" / "squid"
EXAMPLE = CONTRIB / "squid.conf"
PORTAL = CONTRIB / "squid-portal.conf"

pytestmark = [pytest.mark.squid,
              pytest.mark.skipif(not os.path.exists("/usr/sbin/squid"),
                                 reason="Debian squid package not installed")]


def parse(tmp_path: Path, text: str) -> str:
    conf = tmp_path / "squid.conf"
    conf.write_text(text + f"\npid_filename {tmp_path}/squid.pid\n"
                    f"cache_log {tmp_path}/cache.log\n")
    result = subprocess.run(["/usr/sbin/squid", "-k", "parse", "-f", str(conf)],
                            capture_output=True, text=True, timeout=30)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for problem in ("ERROR", "FATAL", "unrecognized", "WARNING", "UPGRADE"):
        assert problem not in output, output
    return output


def directives(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_example_squid_conf_parses_without_errors(tmp_path):
    # Keep everything but point the password file somewhere that exists.
    passwd = tmp_path / "passwd"
    passwd.write_text("")
    output = parse(tmp_path, EXAMPLE.read_text().replace("/etc/squid/esafety-passwd",
                                                         str(passwd)))
    assert "Processing: url_rewrite_program /usr/bin/env PYTHONPATH=" in output
    assert "url_rewrite_program" in EXAMPLE.read_text()


def test_the_portal_example_parses_and_asks_whois_without_proxy_authentication(tmp_path):
    output = parse(tmp_path, PORTAL.read_text())
    lines = directives(PORTAL)
    assert not [line for line in lines if line.startswith("auth_param")
                or "proxy_auth" in line]
    (whois,) = [line for line in lines if line.startswith("external_acl_type esafety_whois")]
    words = whois.split()
    assert "%SRC" in words and "concurrency=50" in words
    ttl = int(next(w for w in words if w.startswith("ttl=")).removeprefix("ttl="))
    assert 1 <= ttl <= 5  # a leaver's next request fails within seconds
    assert words[-3:-1] == ["whois", "--snapshot"]
    assert f"Processing: {whois}" in output
    # The whois answer is asked for before anyone is let through, and its user reaches
    # the filter through %un.
    access = [line for line in lines if line.startswith("http_access")]
    assert access.index("http_access allow identified") \
        < access.index("http_access allow school_network")
    assert any(line.startswith("url_rewrite_extras") and " %un " in line for line in lines)
    assert "url_rewrite_bypass off" in lines
    assert any(line.startswith("http_port") and line.endswith(" intercept") for line in lines)
