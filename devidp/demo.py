"""The demo's test identity provider: ``esafety demo`` starts it next to the web app.

Imported by esafety's demo command only when this checkout has devidp/ (never in an installed
esafety). It runs in the esafety process: it reads the demo school's people from esafety's
database, writes them as the provider's accounts, and starts ``python -m devidp`` as a child
process on 127.0.0.1:8900, Entra style, with a fixed tenant and client, so the demo school's
sign-in settings (DEMO_SIGN_IN) stay the same from one run to the next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent

DEMO_PORT = 8900
DEMO_TENANT = "3f6e1c2a-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
DEMO_ISSUER = f"http://127.0.0.1:{DEMO_PORT}/{DEMO_TENANT}/v2.0"
DEMO_CLIENT_ID = "esafety-demo"
DEMO_CLIENT_SECRET = "esafety-demo-secret"
DEMO_PASSWORD = "esafety-demo"
DEMO_DOMAIN = "hollinspark.sch.uk"
# Someone the provider knows and the school's directory does not: the IT manager's
# "unmatched sign-ins" list.
UNMATCHED = {"preferred_username": f"new.starter@{DEMO_DOMAIN}", "given_name": "Nia",
             "family_name": "Newstart", "employeeId": "S999"}

# The demo school's identity provider settings (esafety.identity's SchoolSignIn fields).
DEMO_SIGN_IN = {
    "kind": "entra",
    "tenant_id": DEMO_TENANT,
    "issuer_url": DEMO_ISSUER,
    "client_id": DEMO_CLIENT_ID,
    "client_secret": DEMO_CLIENT_SECRET,
    "enabled": True,
    "match_rule": "username",
}


def callback_urls(esafety_port: int, provider_id: str = "school-hollins-park") -> list[str]:
    """allauth's OpenID Connect callback for the demo school, as the browser may reach it."""
    return [f"http://{host}:{esafety_port}/accounts/oidc/{provider_id}/login/callback/"
            for host in ("127.0.0.1", "localhost")]


def demo_accounts(school_slug: str = "hollins-park") -> list[dict[str, Any]]:
    """An account at the provider for each of the demo school's staff, governors, pupils and
    supply staff (leavers too: their school account outlives their place, and esafety must
    refuse them), named <username>@hollinspark.sch.uk, password esafety-demo."""
    from esafety.directory import roles
    from esafety.directory.models import Person

    wanted = (roles.STAFF_ROLES | roles.PUPIL_ROLES | roles.GOVERNOR_ROLES
              | {roles.SUPPLY_TEACHER, roles.TRAINEE})
    people = Person.objects.filter(school__slug=school_slug, role__in=wanted).exclude(username="")
    accounts = []
    for person in people.order_by("pk"):
        claims = {"preferred_username": f"{person.username}@{DEMO_DOMAIN}",
                  "given_name": person.first_name, "family_name": person.last_name,
                  "email": person.email or None}
        if person.external_id:
            claims["employeeId"] = person.external_id
        accounts.append({"password": DEMO_PASSWORD, "claims": claims})
    accounts.append({"password": DEMO_PASSWORD, "claims": UNMATCHED})
    return accounts


def start(*, data_dir: Path, esafety_port: int, stdout: TextIO,
          accounts: list[dict[str, Any]] | None = None, port: int = DEMO_PORT,
          timeout: float = 60) -> subprocess.Popen[bytes] | None:
    """Start the demo provider; None (having said why) if it cannot start. ``port`` other
    than 8900 is for tests (the demo school's settings name port 8900)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    users_file = data_dir / "demo-users.json"
    clients_file = data_dir / "demo-clients.json"
    users_file.write_text(json.dumps(demo_accounts() if accounts is None else accounts))
    clients_file.write_text(json.dumps([{
        "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
        "name": "esafety demo", "redirect_uris": callback_urls(esafety_port)}]))
    ready = data_dir / "ready.json"
    ready.unlink(missing_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    with open(data_dir / "devidp.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devidp", "serve", "--port", str(port),
             "--style", "entra", "--tenant", DEMO_TENANT, "--data", str(data_dir),
             "--users", str(users_file), "--clients", str(clients_file), "--mode", "ok",
             "--exit-with-parent"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # Ctrl-C stops the demo, which then stops this
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stdout.write(f"The test identity provider did not start (see {data_dir}/devidp.log;"
                         f" is port {port} in use?). Local passwords still work.\n")
            return None
        if ready.exists():
            try:
                info = json.loads(ready.read_text())
            except ValueError:
                info = {}
            if info.get("pid") == process.pid:
                stdout.write(
                    f"Test identity provider (Microsoft style, for trying the school sign-in): "
                    f"{info['issuer']}\n"
                    f"  sign in as <username>@{DEMO_DOMAIN}, e.g. teacher@{DEMO_DOMAIN}, "
                    f"password {DEMO_PASSWORD}\n"
                    f"  new.starter@{DEMO_DOMAIN} is not in the school's directory "
                    f"(the unmatched sign-ins list)\n")
                return process
        time.sleep(0.2)
    process.terminate()
    stdout.write("The test identity provider did not start in time. Local passwords still work.\n")
    return None


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
