"""A real Squid without proxy authentication: who is at each computer comes from the whois
external ACL helper (contrib/squid/squid-portal.conf), and the url_rewrite helper filters by
the person it names.

Both helpers run as Squid runs them, from a copy of esafety/engine alone. Clients connect
from two loopback addresses, 127.0.0.2 (a KS2 pupil) and 127.0.0.3 (a teacher), and from
127.0.0.4 (nobody has signed in there). The snapshot files are written directly here, as the
web app writes them (the contract in esafety/engine/urls/whois.py and policy.py).
"""

import http.client
import http.server
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.snapshot import compile_lists, write_atomic, write_snapshot
from esafety.filtering.rules import SAMPLE_LISTS
from tests.conftest import PASSWORD

from .test_squid import Origin, free_port

SQUID = "/usr/sbin/squid"
REPO = Path(__file__).resolve().parents[2]
PORTAL_CONF = REPO / "contrib" / "squid" / "squid-portal.conf"
PUPIL, TEACHER, NOBODY = "127.0.0.2", "127.0.0.3", "127.0.0.4"
SIGNIN = "http://portal.test/internet/sign-in/?school=hp"
AUP = "http://portal.test/internet/aup/?school=hp"
BLOCK = "http://portal.test/filtering/blocked/?school=hp"
GAMES = "http://store.steampowered.com/app/1"
NEWS = "http://www.bbc.co.uk/news"
PORN = "http://www.pornhub.com/"

pytestmark = [
    pytest.mark.squid,
    pytest.mark.skipif(not os.path.exists(SQUID), reason="Debian squid package not installed"),
]


def policy(version: int, **overrides) -> dict:
    data = {
        "format": 1, "version": str(version), "timezone": "Europe/London",
        "block_page": BLOCK, "statutory": ["adult"], "default_group": "guests",
        "groups": {"ks2": {"rules": {"games": "block", "social_networks": "block"}},
                   "staff": {"rules": {"gambling": "block"}},
                   "guests": {"rules": {"games": "block"}}},
        "users": {"kit": ["ks2", "5A"], "tom": ["staff", ""]},
        "refused": {}, "aup_pending": [], "unidentified": "signin",
        "signin_page": SIGNIN, "aup_page": AUP, "web_hosts": ["portal.test"],
    }
    data.update(overrides)
    return data


def publish_policy(folder: Path, data: dict) -> None:
    write_atomic(folder / "policy.json", json.dumps(data).encode())


def bind(folder: Path, version: int, bindings: dict[str, str]) -> None:
    until = time.time() + 3600
    write_atomic(folder / "bindings.json", json.dumps({
        "format": 1, "version": version, "written_at": int(time.time()),
        "bindings": {ip: {"user": user, "until": until} for ip, user in bindings.items()},
    }).encode())


def portal_settings(code: Path, python: str, snapshot: Path) -> str:
    """The shipped squid-portal.conf's whois and url_rewrite settings, pointed at this run:
    the same ttl, concurrency, %SRC and %un, fewer children."""
    lines = []
    for line in PORTAL_CONF.read_text().splitlines():
        if line.startswith(("external_acl_type", "url_rewrite_program")):
            line = line.replace("/usr/bin/env PYTHONPATH=/srv/esafety /usr/bin/python3",
                                python)
            line = line.replace("/var/lib/esafety/filtering/hollins-park", str(snapshot))
            lines.append(line.replace("children-max=4", "children-max=2"))
        elif line.startswith(("acl identified", "url_rewrite_extras", "url_rewrite_bypass")):
            lines.append(line)
        elif line.startswith("url_rewrite_children"):
            lines.append("url_rewrite_children 2 startup=1 idle=1 concurrency=50")
    assert len(lines) == 6, lines
    return "\n".join(lines)


def copy_engine(target: Path) -> None:
    """Squid's helpers run from a copy of esafety/engine alone (no Django, no other app)."""
    for source in [REPO / "esafety" / "__init__.py",
                   *(REPO / "esafety" / "engine").rglob("*.py")]:
        if "messages" in source.relative_to(REPO).parts:
            continue
        dest = target / source.relative_to(REPO)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, dest)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def writable_folders(snapshot: Path) -> None:
    """The folders Squid's helpers (user 'proxy') write to, and read access above them."""
    for name in ("decisions", "heartbeats", "activity"):
        (snapshot / name).mkdir(parents=True, exist_ok=True)
        (snapshot / name).chmod(0o777)
    for parent in [snapshot, *snapshot.parents]:
        if parent == Path("/tmp"):
            break
        parent.chmod(0o755)


class PortalSquid:
    def __init__(self, snapshot: Path, run: Path, origin_port: int,
                 pages: tuple[str, str, str] = (BLOCK, SIGNIN, AUP), extra: str = ""):
        self.snapshot, self.run = snapshot, run
        self.block, self.signin, self.aup = pages
        self.port = free_port()
        as_root = os.geteuid() == 0
        code = run.parent / "code"
        copy_engine(code)
        # Squid refuses to run as root; its helpers run as 'proxy', which cannot use a
        # Python installed under /root, so they run on the system one.
        python = (f"/usr/bin/env PYTHONPATH={code} "
                  + ("/usr/bin/python3" if as_root else sys.executable))
        conf = f"""
http_port 127.0.0.1:{self.port}
{"cache_effective_user proxy" if as_root else ""}
pid_filename {run}/squid.pid
access_log stdio:{run}/access.log
cache_log {run}/cache.log
coredump_dir {run}
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 seconds
acl school_network src 127.0.0.0/8
{portal_settings(code, python, snapshot)}
http_access deny !school_network
http_access allow identified
http_access allow school_network
http_access deny all
cache_peer 127.0.0.1 parent {origin_port} 0 no-query originserver name=origin
{extra}
never_direct allow all
"""
        (run / "squid.conf").write_text(conf)
        if as_root:
            proxy = pwd.getpwnam("proxy")
            for path in [run, *run.iterdir()]:
                os.chown(path, proxy.pw_uid, proxy.pw_gid)
        self.name = f"esafetytest{self.port}"
        self.proc = subprocess.Popen([SQUID, "-N", "-n", self.name, "-f", str(run / "squid.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                assert self.proc.poll() is None, (run / "cache.log").read_text()[-2000:]
                assert time.time() < deadline, "squid did not start"
                time.sleep(0.2)

    def fetch(self, client: str, url: str) -> tuple[int, str]:
        """Ask Squid for `url` from the client address `client`: (status, Location or body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15,
                                          source_address=(client, 0))
        conn.request("GET", url)
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        conn.close()
        return response.status, response.getheader("Location") or body

    def answer(self, client: str, url: str) -> str:
        """"allow", "block" (the block page, with its rule), "sign-in" or "aup"."""
        status, detail = self.fetch(client, url)
        if status == 302:
            query = parse_qs(urlsplit(detail).query)
            if detail.startswith(self.block):
                return "block:" + query["rule"][0]
            page = {self.signin: "sign-in", self.aup: "aup"}.get(detail.split("&next=")[0])
            assert page is not None, detail
            assert query["next"] == [url], detail
            return page
        assert status == 200 and "origin says hello" in detail, (status, detail[:300])
        return "allow"

    def eventually(self, client: str, url: str, expected: str, within: float = 15.0) -> None:
        deadline = time.time() + within
        while (got := self.answer(client, url)) != expected:
            assert time.time() < deadline, f"{client} {url}: still {got}, never {expected}"
            time.sleep(0.25)

    def stop(self) -> None:
        subprocess.run([SQUID, "-n", self.name, "-f", str(self.run / "squid.conf"), "-k",
                        "shutdown"], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def portal():
    """Squid as squid-portal.conf sets it up, on a snapshot folder written here."""
    folder = Path(tempfile.mkdtemp(prefix="esafety-portal-", dir="/tmp"))
    folder.chmod(0o755)
    snapshot = folder / "filtering" / "hp"
    writable_folders(snapshot)
    write_snapshot(compile_lists(read_lists(SAMPLE_LISTS), version="sample-1"),
                   snapshot / "lists.snap")
    publish_policy(snapshot, policy(1))
    bind(snapshot, 1, {PUPIL: "kit", TEACHER: "tom"})
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    run = folder / "squid"
    run.mkdir()
    squid = PortalSquid(snapshot, run, origin.server_address[1])
    yield squid
    squid.stop()
    origin.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_pupil_and_a_teacher_at_two_computers_get_different_answers(portal):
    assert portal.answer(PUPIL, GAMES) == "block:group-policy"
    assert portal.answer(TEACHER, GAMES) == "allow"
    assert portal.answer(PUPIL, NEWS) == "allow"
    assert portal.answer(TEACHER, PORN) == "block:statutory"
    # The filter logged the pupil's block under their name: Squid's %un carried whois's user.
    log = (portal.run / "access.log").read_text()
    assert " kit " in log and " tom " in log


def test_an_address_nobody_signed_in_at_is_sent_to_sign_in_and_then_browses(portal):
    assert portal.answer(NOBODY, NEWS) == "sign-in"
    assert portal.answer(NOBODY, "http://portal.test/internet/sign-in/?school=hp") == "allow"
    assert portal.answer(NOBODY, PORN) == "block:statutory"
    bind(portal.snapshot, 2, {PUPIL: "kit", TEACHER: "tom", NOBODY: "tom"})
    portal.eventually(NOBODY, NEWS, "allow")
    assert portal.answer(NOBODY, GAMES) == "allow"


def test_a_leaver_is_refused_within_seconds(portal):
    assert portal.answer(PUPIL, NEWS) == "allow"
    publish_policy(portal.snapshot, policy(2, users={"tom": ["staff", ""]},
                                           refused={"kit": "left"}))
    portal.eventually(PUPIL, NEWS, "sign-in", within=20)
    assert portal.answer(TEACHER, NEWS) == "allow"


def test_a_pupil_who_has_not_accepted_the_aup_is_sent_to_it_then_browses(portal):
    publish_policy(portal.snapshot, policy(2, aup_pending=["kit"]))
    portal.eventually(PUPIL, NEWS, "aup")
    assert portal.answer(PUPIL, AUP) == "allow"
    assert portal.answer(TEACHER, NEWS) == "allow"
    publish_policy(portal.snapshot, policy(3))  # accepted: the web app drops them
    portal.eventually(PUPIL, NEWS, "allow")
    assert portal.answer(PUPIL, GAMES) == "block:group-policy"


def test_both_helpers_beat_and_whois_reports_the_addresses_it_saw(portal):
    portal.answer(PUPIL, NEWS)
    deadline = time.time() + 30
    while True:
        beats = [json.loads(p.read_text()) for p in (portal.snapshot / "heartbeats").iterdir()]
        seen: dict = {}
        for path in (portal.snapshot / "activity").iterdir():
            seen.update(json.loads(path.read_text())["seen"])
        if {b["kind"] for b in beats} == {"filter", "whois"} and PUPIL in seen:
            break
        assert time.time() < deadline, (beats, seen)
        time.sleep(0.5)
    for beat in beats:
        assert (beat["policy_version"], beat["lists_version"], beat["bindings_version"]) \
            == ("1", "sample-1", 1), beat


# -- the whole way: the web app's actions publish, Squid's helpers follow ------------------
@pytest.fixture
def school_portal(settings, school, make_person, headteacher, it_manager,
                  django_capture_on_commit_callbacks):
    """The school as the web app keeps it (sample lists, a KS2 pupil and a teacher signed
    in to the internet at 127.0.0.2 and 127.0.0.3), published by the actions, and Squid set
    up as squid-portal.conf on the published folder."""
    from esafety.directory import roles
    from esafety.filtering import actions, publish
    from esafety.network.actions.bindings import binding_start

    folder = Path(tempfile.mkdtemp(prefix="esafety-portal-", dir="/tmp"))
    folder.chmod(0o755)
    settings.DATA_DIR = folder / "data"
    kit = make_person(roles.PUPIL, username="kit", year_group=5, form="5A")
    tom = make_person(roles.TEACHER, username="tom")
    # The test runs in a transaction; publish what each action commits, as the app does.
    published = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    with published():
        actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
        # Games are always blocked for a KS2 pupil and blocked for staff only in working
        # time (the first import sets the usual school day): with no working time, the
        # pupil and the teacher differ at whatever hour the tests run
        # (tests/filtering/test_policy_table.py covers working time itself).
        actions.working_time_set(actor=it_manager, school=school, spans={})
    with published():
        binding_start(actor=kit, school=school, address=PUPIL)
    with published():
        binding_start(actor=tom, school=school, address=TEACHER)
    snapshot = publish.snapshot_dir(school)
    writable_folders(snapshot)
    data = json.loads((snapshot / "policy.json").read_text())
    assert data["users"]["kit"][0] == "ks2" and data["unidentified"] == "signin"
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    run = folder / "squid"
    run.mkdir()
    squid = PortalSquid(snapshot, run, origin.server_address[1],
                        (data["block_page"], data["signin_page"], data["aup_page"]))
    yield {"squid": squid, "school": school, "kit": kit, "tom": tom, "head": headteacher,
           "published": published}
    squid.stop()
    origin.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def test_signed_in_through_the_web_app_a_pupil_and_a_teacher_differ_and_a_leaver_stops(
        school_portal):
    from esafety.directory.actions import person_leave

    squid = school_portal["squid"]
    assert squid.answer(PUPIL, GAMES) == "block:group-policy"
    assert squid.answer(TEACHER, GAMES) == "allow"
    assert squid.answer(NOBODY, NEWS) == "sign-in"
    with school_portal["published"]():
        person_leave(actor=school_portal["head"], person=school_portal["kit"])
    squid.eventually(PUPIL, NEWS, "sign-in", within=20)
    assert squid.answer(TEACHER, NEWS) == "allow"


def test_a_pupil_who_has_not_accepted_the_aup_is_sent_to_it_accepts_and_browses(
        school_portal):
    import datetime

    from django.utils import timezone

    from esafety.directory import roles
    from esafety.policies import actions as policies

    squid, kit, head = school_portal["squid"], school_portal["kit"], school_portal["head"]
    assert squid.answer(PUPIL, NEWS) == "allow"
    with school_portal["published"]():
        document = policies.policy_document_create(
            actor=head, school=school_portal["school"], title="Our internet rules (KS2)",
            audience=roles.AUDIENCE_KS2)
    with school_portal["published"]():
        version = policies.policy_publish(
            actor=head, document=document, number="1", text="Be kind online.",
            approved_by="Governors", approved_on=timezone.localdate(),
            review_due=timezone.localdate() + datetime.timedelta(days=300))
    squid.eventually(PUPIL, NEWS, "aup")
    assert squid.answer(TEACHER, NEWS) == "allow"  # the KS2 AUP is not the teacher's
    with school_portal["published"]():
        policies.acceptance_record(actor=kit, person=kit, version=version, decision="declined")
    assert squid.answer(PUPIL, NEWS) == "aup"
    with school_portal["published"]():
        policies.acceptance_record(actor=kit, person=kit, version=version, decision="accepted")
    squid.eventually(PUPIL, NEWS, "allow")
    assert squid.answer(PUPIL, GAMES) == "block:group-policy"


# -- signing in on the portal page through Squid ------------------------------------------
class Browser:
    """A browser at one client address using the proxy: keeps esafety's cookies, fills in
    forms with their CSRF token, follows redirects."""

    TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, squid: PortalSquid, address: str, site: str):
        self.squid, self.address, self.site = squid, address, site
        self.cookies: dict[str, str] = {}
        self.token = ""

    def send(self, method: str, url: str, form: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of one request through Squid."""
        conn = http.client.HTTPConnection("127.0.0.1", self.squid.port, timeout=15,
                                          source_address=(self.address, 0))
        headers = {}
        if url.startswith(self.site) and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, url, body, headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        found = self.TOKEN.search(text)
        if found:
            self.token = found.group(1)
        location = response.getheader("Location") or ""
        if location.startswith("/"):
            location = self.site + location
        return response.status, location, text

    def go(self, url: str, form: dict | None = None) -> tuple[str, str]:
        """Send, then follow redirects on esafety's site: (final URL, its page)."""
        status, location, text = self.send("POST" if form is not None else "GET", url, form)
        for _ in range(10):
            if status not in (301, 302, 303) or not location.startswith(self.site):
                break
            url = location
            status, location, text = self.send("GET", url)
        assert status == 200, (status, url, location, text[:500])
        return url, text

    def sign_in(self, username: str, going_to: str) -> str:
        """Ask for `going_to`, be sent to the portal, sign in there with a password."""
        status, portal, _ = self.send("GET", going_to)
        assert status == 302 and portal.startswith(self.site + "/internet/sign-in/"), portal
        url, page = self.go(portal)
        assert "Sign in to the internet" in page
        query = parse_qs(urlsplit(url).query)
        url, page = self.go(self.site + "/internet/sign-in/",
                            {"school": query["school"][0], "next": query["next"][0],
                             "how": "local"})
        assert urlsplit(url).path == "/sign-in/", url
        url, page = self.go(url, {"username": username, "password": PASSWORD})
        assert urlsplit(url).path == "/internet/", (url, page[:500])
        return page


@pytest.fixture
def signed_in_through_squid(settings, school, make_person, it_manager, live_server,
                            transactional_db, disposable_append_only_tables):
    """esafety on a live server reached through Squid (which adds X-Forwarded-For, trusted
    from Squid's address as TRUSTED_PROXIES says), everything else from the origin."""
    from esafety.directory import roles
    from esafety.filtering import actions, publish
    from esafety.filtering.models import FilteringSettings

    folder = Path(tempfile.mkdtemp(prefix="esafety-portal-", dir="/tmp"))
    folder.chmod(0o755)
    settings.DATA_DIR = folder / "data"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ALLOWED_HOSTS = ["*"]
    port = urlsplit(live_server.url).port
    site = f"http://127.0.0.1:{port}"
    FilteringSettings.objects.update_or_create(
        school=school, defaults={"block_page_url": f"{site}/filtering/blocked/"})
    make_person(roles.PUPIL, username="kit", year_group=5, form="5A")
    make_person(roles.TEACHER, username="tom")
    actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    actions.working_time_set(actor=it_manager, school=school, spans={})  # (as above)
    snapshot = publish.snapshot_dir(school)
    writable_folders(snapshot)
    data = json.loads((snapshot / "policy.json").read_text())
    assert data["signin_page"].startswith(site) and "127.0.0.1" in data["web_hosts"]
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    run = folder / "squid"
    run.mkdir()
    squid = PortalSquid(snapshot, run, origin.server_address[1],
                        (data["block_page"], data["signin_page"], data["aup_page"]),
                        extra=f"acl esafety_site port {port}\n"
                              "always_direct allow esafety_site\n"
                              "cache_peer_access origin deny esafety_site")
    yield {"squid": squid, "site": site, "school": school}
    squid.stop()
    origin.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_pupil_and_a_teacher_sign_in_on_the_portal_through_squid_and_differ(
        signed_in_through_squid):
    from esafety.network.models import ClientBinding

    squid, site = signed_in_through_squid["squid"], signed_in_through_squid["site"]
    assert squid.answer(PUPIL, GAMES) == "sign-in"
    Browser(squid, PUPIL, site).sign_in("kit", GAMES)
    Browser(squid, TEACHER, site).sign_in("tom", GAMES)
    # The portal bound the address Squid saw, not Squid's own.
    assert sorted(ClientBinding.objects.values_list("address", "person__username")) == [
        (PUPIL, "kit"), (TEACHER, "tom")]
    squid.eventually(PUPIL, GAMES, "block:group-policy")
    squid.eventually(TEACHER, GAMES, "allow")
    assert squid.answer(PUPIL, NEWS) == "allow"
    assert squid.answer(NOBODY, NEWS) == "sign-in"
