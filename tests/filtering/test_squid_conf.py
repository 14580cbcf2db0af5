"""The shipped squid.conf example is valid for the Debian squid package."""

import os
import subprocess
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "contrib" / "squid" / "squid.conf"

pytestmark = [pytest.mark.squid,
              pytest.mark.skipif(not os.path.exists("/usr/sbin/squid"),
                                 reason="Debian squid package not installed")]


def test_the_example_squid_conf_parses_without_errors(tmp_path):
    conf = tmp_path / "squid.conf"
    # Keep everything but point the password file somewhere that exists.
    passwd = tmp_path / "passwd"
    passwd.write_text("")
    conf.write_text(EXAMPLE.read_text().replace("/etc/squid/esafety-passwd", str(passwd))
                    + f"\npid_filename {tmp_path}/squid.pid\ncache_log {tmp_path}/cache.log\n")
    result = subprocess.run(["/usr/sbin/squid", "-k", "parse", "-f", str(conf)],
                            capture_output=True, text=True, timeout=30)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for problem in ("ERROR", "FATAL", "unrecognized", "WARNING"):
        assert problem not in output, output
    assert "Processing: url_rewrite_program /usr/bin/env PYTHONPATH=" in output
    assert "url_rewrite_program" in EXAMPLE.read_text()
