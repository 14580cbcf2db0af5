"""`esafety filter helper` and `esafety filter whois` are run by Squid as its own user, which
cannot read the web app's settings or secrets: they start without Django."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, stdin):
    env = dict(os.environ)
    # Settings that cannot load: anything that touches Django fails loudly.
    env["DJANGO_SETTINGS_MODULE"] = "no_such_settings_module"
    return subprocess.run(
        [sys.executable, "-c", "import sys; from esafety.filtering.command_entry import main; "
                               "sys.exit(main(sys.argv[1:]))", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)


def test_whois_answers_without_django(tmp_path):
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "policy.json").write_text(json.dumps({
        "format": 1, "version": "1", "school": "s", "groups": {}, "users": {"amy": ["ks2", ""]},
        "unidentified": "signin"}))
    (folder / "bindings.json").write_text(json.dumps({
        "format": 1, "version": 1, "written_at": 0,
        "bindings": {"127.0.0.2": {"user": "amy", "until": 4102444800}}}))
    done = _run(["whois", "--snapshot", str(folder)], tmp_path,
                "0 127.0.0.2\n1 127.0.0.3\n2 garbage\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["0 OK user=amy", "1 ERR", "2 ERR"]
    assert "no_such_settings_module" not in done.stderr
