"""`esafety check` with a database: the school's directory, or a clear fallback."""

import json
import os
import sqlite3
import subprocess
import sys

from esafety.checks import cli
from tests.engine_messages.mail import make_mail


def test_with_a_database_the_check_knows_the_schools_parents(monkeypatch, school, teacher,
                                                              parent, capsys, tmp_path):
    monkeypatch.setattr(cli, "_database_configured", lambda: True)
    second = parent.__class__.objects.create(username="p2", role="parent", school=school,
                                             email="second.parent@example.org")
    path = tmp_path / "m.eml"
    path.write_bytes(make_mail(sender=teacher.email, to=[parent.email, second.email],
                               body="Dear parents, hello."))
    assert cli.check_main([str(path), "--json", "--school", "hollin" + "s-park"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["findings"][0]["rule"] == "recipients.parents-visible"


def test_an_unmigrated_database_falls_back_to_the_empty_directory(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    sqlite3.connect(data / "esafety.sqlite3").close()  # exists, but no tables
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ESAFETY_DATA_DIR"] = str(data)
    result = subprocess.run([sys.executable, "-m", "esafety", "check", "--text", "-", "--json"],
                            input=b"What a load of shit", capture_output=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "not set up yet" in result.stderr.decode()
    assert json.loads(result.stdout)["findings"][0]["rule"] == "content.profanity"
