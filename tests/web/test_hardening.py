"""Web hardening: no cached copies, a content security policy, HSTS, the HTTPS reverse proxy."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import esafety

PACKAGE = Path(esafety.__file__).resolve().parent
ROOT = PACKAGE.parent


# --- Cache-Control ------------------------------------------------------------------------
def test_signed_in_pages_are_never_kept_in_a_cache(dsl, pupil, client_for):
    for person, url in [(dsl, "/"), (dsl, "/incidents/"), (pupil, "/incidents/report/"),
                        (dsl, "/checks/")]:
        response = client_for(person).get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_the_sign_in_page_is_not_kept_either(db, client):
    assert "no-store" in client.get("/sign-in/")["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/esafety/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Content security policy -------------------------------------------------------------
def test_every_page_carries_a_content_security_policy(dsl, client_for):
    policy = client_for(dsl).get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an on...= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: link"),
]


def test_no_page_template_has_inline_script_or_style():
    """The policy allows only the site's own files: anything inline would be blocked."""
    found = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        if "/pdf/" in template.as_posix():
            continue  # rendered to PDF by WeasyPrint, never served as a web page
        if "/bundle/" in template.as_posix():
            continue  # written into a subject-access zip and opened from disk, never served
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(PACKAGE)}: {what}")
    assert found == []


# --- Behind the HTTPS reverse proxy (settings from the environment) ------------------------
PROXY_SCRIPT = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(enforce_csrf_checks=True)
headers = {"HTTP_HOST": "esafety.hollinspark.sch.uk", "HTTP_X_FORWARDED_PROTO": "https"}
page = client.get("/sign-in/", **headers)
token = page.cookies["csrftoken"].value
answer = client.post("/sign-out/", {"csrfmiddlewaretoken": token},
                     HTTP_ORIGIN="https://esafety.hollinspark.sch.uk",
                     HTTP_REFERER="https://esafety.hollinspark.sch.uk/", **headers)
print(json.dumps({
    "status": answer.status_code,
    "hsts": page.get("Strict-Transport-Security"),
    "secure_cookie": bool(page.cookies["csrftoken"]["secure"]),
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "origins": settings.CSRF_TRUSTED_ORIGINS,
}))
"""


def _run(data_dir, script, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS",
                                "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "DATABASE_URL"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "esafety.settings",
                        "ESAFETY_DATA_DIR": str(data_dir),
                        "ALLOWED_HOSTS": "esafety.hollinspark.sch.uk", **env})
    result = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A data folder with a migrated SQLite database, made once for this file."""
    data_dir = tmp_path_factory.mktemp("proxy") / "data"
    _run(data_dir, "import django; django.setup(); "
                   "from django.core.management import call_command; "
                   "call_command('migrate', verbosity=0)")
    return data_dir


def run_settings(migrated, tmp_path, script, **env):
    """Run `script` in a fresh process whose settings come from `env`; its last line is JSON."""
    data_dir = tmp_path / "data"
    shutil.copytree(migrated, data_dir)
    return json.loads(_run(data_dir, script, **env).strip().splitlines()[-1])


def test_a_form_sent_through_the_https_proxy_is_accepted(migrated, tmp_path):
    answer = run_settings(migrated, tmp_path, PROXY_SCRIPT, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
                          CSRF_TRUSTED_ORIGINS="https://esafety.hollinspark.sch.uk",
                          SESSION_COOKIE_SECURE="true")
    assert answer["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert answer["origins"] == ["https://esafety.hollinspark.sch.uk"]
    assert answer["status"] == 302  # signed out, not "403 Forbidden"
    assert answer["hsts"] == "max-age=31536000"
    assert answer["secure_cookie"] is True


def test_without_the_proxy_settings_the_same_form_is_refused(migrated, tmp_path):
    """Why the README asks for them: Django cannot tell the browser used HTTPS."""
    answer = run_settings(migrated, tmp_path, PROXY_SCRIPT)
    assert answer["status"] == 403
    assert answer["hsts"] is None


def test_hsts_length_comes_from_the_environment(migrated, tmp_path):
    answer = run_settings(migrated, tmp_path, PROXY_SCRIPT, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
                          SESSION_COOKIE_SECURE="true", SECURE_HSTS_SECONDS="600")
    assert answer["hsts"] == "max-age=600"


def test_a_mistyped_trusted_origin_stops_the_app_with_a_clear_message(tmp_path):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "esafety.settings",
                   "ESAFETY_DATA_DIR": str(tmp_path / "data"),
                   "CSRF_TRUSTED_ORIGINS": "esafety.hollinspark.sch.uk"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                            env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "write it as https://host.example" in result.stderr


# --- NUL characters -----------------------------------------------------------------------
def test_a_nul_character_in_a_report_is_refused_on_the_form_and_nothing_is_saved(pupil,
                                                                                  client_for):
    from esafety.incidents.models import Incident

    answer = client_for(pupil).post("/incidents/report/", {
        "kind": "cyberbullying", "description": "They keep\x00 messaging me"})
    assert answer.status_code == 400
    assert "Null characters are not allowed" in answer.content.decode()
    assert Incident.objects.count() == 0


def test_a_nul_character_in_an_address_is_dropped_before_the_page_reads_it(dsl, client_for):
    """On PostgreSQL, /filtering/attempts/?group=a%00b was a server error."""
    answer = client_for(dsl).get("/filtering/attempts/", {"group": "a\x00b"})
    assert answer.status_code == 200
    assert answer.wsgi_request.GET["group"] == "ab"
