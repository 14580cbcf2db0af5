"""A real Squid on loopback with the esafety helper as its url_rewrite_program.

Squid authenticates three people (a KS1 pupil, a KS4 pupil, a teacher) with the Debian
basic_ncsa_auth helper and forwards what it lets through to a tiny origin server on
loopback (a cache_peer, so no DNS or internet is needed). The school's policy is changed
through the actions, exactly as the web app does, and the helper picks each publication up.
"""

import base64
import datetime
import http.client
import http.server
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.filtering import actions, publish
from esafety.filtering.models import Category, FilteringSettings, SchoolEntry
from esafety.filtering.rules import SAMPLE_LISTS

SQUID = "/usr/sbin/squid"
NCSA = "/usr/lib/squid/basic_ncsa_auth"
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "squid-test-pw"

pytestmark = [
    pytest.mark.squid,
    pytest.mark.skipif(not (os.path.exists(SQUID) and os.path.exists(NCSA)),
                       reason="Debian squid package not installed"),
]


def example_helper_settings() -> str:
    """The helper settings of the shipped example (contrib/squid/squid.conf), fewer children."""
    lines = []
    for line in (REPO / "contrib" / "squid" / "squid.conf").read_text().splitlines():
        if line.startswith(("url_rewrite_extras", "url_rewrite_bypass")):
            lines.append(line)
        elif line.startswith("url_rewrite_children"):
            lines.append("url_rewrite_children 2 startup=1 idle=1 concurrency=50")
    assert len(lines) == 3
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Origin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = f"origin says hello to {self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def world(settings, school, make_person, it_manager, django_capture_on_commit_callbacks):
    """The school (sample lists, approved sites for KS1) published into a folder Squid's
    unprivileged user can read."""
    folder = Path(tempfile.mkdtemp(prefix="esafety-squid-", dir="/tmp"))
    folder.chmod(0o755)
    settings.DATA_DIR = folder / "data"
    people = {
        "kit": make_person(roles.PUPIL, username="kit", year_group=1, form="1A"),
        "kai": make_person(roles.PUPIL, username="kai", year_group=10, form="10C"),
        "tom": make_person(roles.TEACHER, username="tom"),
    }
    # The test runs in a transaction; publish what each action commits, as the app does.
    published = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    with published():
        actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    with published():
        actions.school_entry_add(actor=it_manager, school=school, kind=SchoolEntry.APPROVED,
                                 site="www.bbc.co.uk")
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    yield {"folder": folder, "school": school, "people": people, "it_manager": it_manager,
           "origin_port": origin.server_address[1], "published": published}
    origin.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def squid(world):
    folder, school = world["folder"], world["school"]
    snapshot = publish.snapshot_dir(school)
    decisions = snapshot / "decisions"
    decisions.mkdir(parents=True, exist_ok=True)
    decisions.chmod(0o777)
    for parent in [snapshot, *snapshot.parents]:
        if parent == Path("/tmp"):
            break
        parent.chmod(0o755)
    run = folder / "squid"
    run.mkdir()
    hashed = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], capture_output=True,
                            text=True, check=True).stdout.strip()
    (run / "passwd").write_text("".join(f"{u}:{hashed}\n" for u in world["people"]))
    port = free_port()
    as_root = os.geteuid() == 0
    # The helper's engine is stdlib-only. Give Squid a copy in a folder its unprivileged
    # user can read, wherever this checkout happens to live.
    code = folder / "code"
    for source in [REPO / "esafety" / "__init__.py", REPO / "esafety" / "engine" / "__init__.py",
                   *(REPO / "esafety" / "engine" / "urls").glob("*.py")]:
        target = code / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    for path in [code, *code.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    if as_root:
        # Squid refuses to run as root; its helpers run as 'proxy', which cannot use a
        # Python installed under /root, so the helper runs on the system one.
        python = f"/usr/bin/env PYTHONPATH={code} /usr/bin/python3"
    else:
        python = f"/usr/bin/env PYTHONPATH={code} {sys.executable}"
    conf = f"""
http_port 127.0.0.1:{port}
{"cache_effective_user proxy" if as_root else ""}
pid_filename {run}/squid.pid
access_log stdio:{run}/access.log
cache_log {run}/cache.log
coredump_dir {run}
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 seconds
auth_param basic program {NCSA} {run}/passwd
auth_param basic children 2
acl people proxy_auth REQUIRED
http_access allow localhost people
http_access deny all
cache_peer 127.0.0.1 parent {world["origin_port"]} 0 no-query originserver name=origin
never_direct allow all
url_rewrite_program {python} -m esafety.engine.urls helper --snapshot {snapshot}
{example_helper_settings()}
"""
    (run / "squid.conf").write_text(conf)
    if as_root:
        proxy = pwd.getpwnam("proxy")
        for path in [run, *run.iterdir()]:
            os.chown(path, proxy.pw_uid, proxy.pw_gid)
    name = f"esafetytest{port}"
    proc = subprocess.Popen([SQUID, "-N", "-n", name, "-f", str(run / "squid.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, (run / "cache.log").read_text()[-2000:]
            assert time.time() < deadline, "squid did not start"
            time.sleep(0.2)
    yield {"port": port, "run": run, "snapshot": snapshot, **world}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fetch(squid, user: str, url: str) -> tuple[int, str]:
    """Ask Squid for a URL as `user`: (status, Location or body)."""
    conn = http.client.HTTPConnection("127.0.0.1", squid["port"], timeout=15)
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    conn.request("GET", url, headers={"Proxy-Authorization": f"Basic {token}"})
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response.status, response.getheader("Location") or body


def verdict(squid, user, url) -> str:
    status, detail = fetch(squid, user, url)
    if status == 302 and "/filtering/blocked/" in detail:
        return "block"
    assert status == 200 and "origin says hello" in detail, (status, detail[:300])
    return "allow"


def eventually(squid, user, url, expected, within=15.0) -> None:
    """The helper reloads a new publication within about a second; wait for it."""
    deadline = time.time() + within
    while verdict(squid, user, url) != expected:
        assert time.time() < deadline, f"{user} {url} never became {expected}"
        time.sleep(0.25)


def set_clock_to(world, moment: str) -> None:
    """Make *now* working time or lunchtime by setting today's working time around it."""
    now = timezone.localtime()
    today = now.weekday()
    spans = {d: [(datetime.time(8, 30), datetime.time(15, 30))] for d in range(7) if d != today}
    if moment == "working":
        spans[today] = [(datetime.time(0, 0), datetime.time(23, 59))]
    else:  # a lunch break from half an hour ago to half an hour from now
        before = (now - datetime.timedelta(minutes=30))
        after = (now + datetime.timedelta(minutes=30))
        spans[today] = []
        if before.date() == now.date():
            spans[today].append((datetime.time(0, 0), before.time().replace(microsecond=0)))
        if after.date() == now.date():
            spans[today].append((after.time().replace(microsecond=0), datetime.time(23, 59)))
    with world["published"]():
        actions.working_time_set(actor=world["it_manager"], school=world["school"],
                                 spans=spans)


SOCIAL = "http://www.facebook.com/"
GAMES = "http://store.steampowered.com/app/1"
APPROVED = "http://www.bbc.co.uk/news"


def staff_social_networks_in_breaks(squid) -> None:
    """The school follows 003 §6.12 (staff may use personal social networks in breaks)."""
    with squid["published"]():
        actions.staff_social_networks_set(actor=squid["it_manager"], school=squid["school"],
                                          choice="working_time")


def test_ks1_ks4_and_staff_get_different_answers_at_working_time_and_lunchtime(squid):
    staff_social_networks_in_breaks(squid)
    set_clock_to(squid, "working")
    # Wait for the helpers to load it: staff games are blocked only in working time (social
    # networks were blocked for staff before the school's choice too, so they cannot say).
    eventually(squid, "tom", GAMES, "block")
    working = {(u, url): verdict(squid, u, url) for u in ("kit", "kai", "tom")
               for url in (SOCIAL, GAMES, APPROVED)}
    assert working == {
        ("kit", SOCIAL): "block", ("kit", GAMES): "block", ("kit", APPROVED): "allow",
        ("kai", SOCIAL): "block", ("kai", GAMES): "block", ("kai", APPROVED): "allow",
        ("tom", SOCIAL): "block", ("tom", GAMES): "block", ("tom", APPROVED): "allow",
    }
    set_clock_to(squid, "lunch")
    eventually(squid, "tom", SOCIAL, "allow")
    lunch = {(u, url): verdict(squid, u, url) for u in ("kit", "kai", "tom")
             for url in (SOCIAL, GAMES, APPROVED)}
    assert lunch == {
        ("kit", SOCIAL): "block", ("kit", GAMES): "block", ("kit", APPROVED): "allow",
        ("kai", SOCIAL): "block", ("kai", GAMES): "allow", ("kai", APPROVED): "allow",
        ("tom", SOCIAL): "allow", ("tom", GAMES): "allow", ("tom", APPROVED): "allow",
    }


def test_an_approved_unblock_takes_effect_and_expires_by_itself(squid):
    school, teacher = squid["school"], squid["people"]["tom"]
    bet = "http://www.bet365.com/odds"
    assert verdict(squid, "kai", bet) == "block"
    request = actions.unblock_request(
        actor=teacher, category=Category.objects.get(school=school, name="gambling"),
        groups=["ks4"], reason="Year 10 PSHE: how betting sites present the odds.",
        starts_at=timezone.now() - datetime.timedelta(minutes=1),
        ends_at=timezone.now() + datetime.timedelta(seconds=14))
    time.sleep(1.5)
    assert verdict(squid, "kai", bet) == "block"  # asked, not yet approved
    with squid["published"]():
        actions.unblock_approve(actor=squid["it_manager"], request=request)
    eventually(squid, "kai", bet, "allow", within=10)
    assert verdict(squid, "kit", bet) == "block"  # only Key Stage 4
    eventually(squid, "kai", bet, "block", within=20)  # ended by itself, nobody republished


def test_an_unblock_for_a_page_opens_that_page_and_not_the_rest_of_the_site(squid):
    school, teacher = squid["school"], squid["people"]["tom"]
    page = "http://www.facebook.com/groups/school-robotics/photos"
    assert verdict(squid, "kai", page) == "block"
    request = actions.unblock_request(
        actor=teacher, site="www.facebook.com/groups/school-robotics", groups=["ks4"],
        reason="Robotics club: pupils post their builds on the club page.",
        starts_at=timezone.now() - datetime.timedelta(minutes=1),
        ends_at=timezone.now() + datetime.timedelta(hours=1))
    with squid["published"]():
        actions.unblock_approve(actor=squid["it_manager"], request=request)
    eventually(squid, "kai", page, "allow", within=10)
    assert verdict(squid, "kai", "http://www.facebook.com/") == "block"
    assert verdict(squid, "kai", "http://www.facebook.com/groups/other") == "block"
    assert school.unblock_requests.get().what_label == "facebook.com/groups/school-robotics"


def test_a_statutory_category_stays_blocked_and_blocks_reach_the_log(squid):
    school = squid["school"]
    staff_social_networks_in_breaks(squid)
    set_clock_to(squid, "lunch")
    porn = "http://www.pornhub.com/"
    eventually(squid, "tom", SOCIAL, "allow")
    assert verdict(squid, "tom", porn) == "block"
    status, location = fetch(squid, "kai", porn)
    assert status == 302
    assert "category=adult" in location and "rule=statutory" in location
    with pytest.raises(Exception, match="always blocked"):
        actions.unblock_request(actor=squid["people"]["tom"],
                                category=Category.objects.get(school=school, name="adult"),
                                groups=["staff"], reason="I would like to see it please.",
                                starts_at=timezone.now(),
                                ends_at=timezone.now() + datetime.timedelta(hours=1))
    FilteringSettings.objects.filter(school=school).update(alert_threshold=3)
    for _ in range(3):
        assert verdict(squid, "kai", "http://www.proxysite.com/") == "block"
    squid_stop_and_flush(squid)
    files, rows, alerts = actions.ingest_spool(school=school)
    assert files >= 1
    logged = {(a.person.username, a.category, a.rule) for a in
              school.blocked_attempts.select_related("person")}
    assert ("tom", "adult", "statutory") in logged
    assert ("kai", "redirector", "group-policy") in logged
    assert [(a.person.username, a.category) for a in alerts] == [("kai", "redirector")]


def squid_stop_and_flush(squid) -> None:
    """Stop Squid: its helpers see end of input and close their decision spool files."""
    pid = int((squid["run"] / "squid.pid").read_text().split()[0]) \
        if (squid["run"] / "squid.pid").exists() else None
    subprocess.run([SQUID, "-n", f"esafetytest{squid['port']}", "-f",
                    str(squid["run"] / "squid.conf"), "-k", "shutdown"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        if pid is None or not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.2)
    deadline = time.time() + 5
    while any(squid["snapshot"].glob("decisions/*.part")) and time.time() < deadline:
        time.sleep(0.2)


def test_with_proxy_authentication_a_leaver_gets_the_access_ended_block_page(squid,
                                                                              headteacher):
    """Squid's authenticated name is used as is: once the web app records the leave, the
    same name, still accepted by the proxy's password file, gets the block page."""
    from esafety.directory.actions import person_leave

    assert verdict(squid, "kai", APPROVED) == "allow"
    with squid["published"]():
        person_leave(actor=headteacher, person=squid["people"]["kai"])
    deadline = time.time() + 15
    while True:
        status, location = fetch(squid, "kai", APPROVED)
        if status == 302 and "rule=access-ended" in location:
            break
        assert time.time() < deadline, (status, location[:300])
        time.sleep(0.25)
    assert "/filtering/blocked/" in location and "user=kai" in location
    assert verdict(squid, "tom", APPROVED) == "allow"
