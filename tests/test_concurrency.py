"""Nothing is lost under load: 40 pupils reporting and 40 case notes at the same moment.

The app is served by waitress (what `esafety serve` runs) on loopback, against a real
database file (SQLite in WAL mode here; PostgreSQL in the PostgreSQL run of scripts/test),
and driven over HTTP by 80 threads, each with its own signed-in session. Before the fix,
SQLite answered "database is locked" to about two writes in three.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from esafety.audit.chain import verify_trail
from esafety.directory import roles
from esafety.incidents import actions
from esafety.incidents.chain import verify_all
from esafety.incidents.models import Incident, IncidentEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PUPILS = 40
NOTES = 40
SERVER_THREADS = 8  # esafety serve's default


@pytest.fixture
def served_app(transactional_db, disposable_append_only_tables):
    """The WSGI app on waitress in a background thread; yields its base URL."""
    import waitress
    from django.core.wsgi import get_wsgi_application

    server = waitress.create_server(get_wsgi_application(), host="127.0.0.1", port=0,
                                    threads=SERVER_THREADS)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


def signed_in_session(base: str, username: str) -> requests.Session:
    """A browser-like session signed in through the real sign-in form."""
    session = requests.Session()
    page = session.get(f"{base}/sign-in/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/sign-in/", allow_redirects=False, timeout=60, data={
        "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 302, (username, answer.status_code)
    return session


def post(session: requests.Session, url: str, data: dict) -> requests.Response:
    data = {**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    return session.post(url, data=data, allow_redirects=False, timeout=120)


def test_forty_reports_and_forty_notes_at_once_are_all_kept(served_app, make_person, dsl,
                                                           online_safety_lead, headteacher):
    base = served_app
    pupils = [make_person(roles.PUPIL, year_group=7 + n % 6) for n in range(PUPILS)]
    cases = []
    for n in range(2):
        case = actions.incident_report(actor=dsl, kind="cyberbullying", via="staff",
                                       description=f"Case {n} for the investigators' notes.")
        for investigator in (dsl, online_safety_lead):
            actions.investigator_add(actor=headteacher, incident=case, person=investigator)
        cases.append(case)
    incidents_before = Incident.objects.count()

    reporters = [signed_in_session(base, pupil.username) for pupil in pupils]
    note_takers = [signed_in_session(base, (dsl, online_safety_lead)[n % 2].username)
                   for n in range(NOTES)]

    # All 80 requests leave together: each thread waits here until the last one is ready.
    start = threading.Barrier(PUPILS + NOTES)

    def report(n):
        start.wait()
        return post(reporters[n], f"{base}/incidents/report/", {
            "kind": "cyberbullying",
            "description": f"Report number {n}: someone keeps posting about me in a group chat.",
        })

    def note(n):
        start.wait()
        case = cases[n % len(cases)]
        return post(note_takers[n], f"{base}/incidents/{case.pk}/notes/",
                    {"note-text": f"Note number {n}: spoke to the form tutor."})

    with ThreadPoolExecutor(max_workers=PUPILS + NOTES) as pool:
        reports = [pool.submit(report, n) for n in range(PUPILS)]
        notes = [pool.submit(note, n) for n in range(NOTES)]
        report_answers = [future.result() for future in reports]
        note_answers = [future.result() for future in notes]

    statuses = [answer.status_code for answer in report_answers + note_answers]
    assert statuses == [302] * (PUPILS + NOTES), statuses
    assert all("/incidents/" in answer.headers["Location"] for answer in report_answers)
    assert Incident.objects.count() == incidents_before + PUPILS
    assert sorted(Incident.objects.filter(reported_via="pupil")
                  .values_list("reported_by__username", flat=True)) == sorted(
        p.username for p in pupils)
    notes = IncidentEvent.objects.filter(kind="note")
    assert notes.count() == NOTES
    assert sorted(e.data["text"] for e in notes) == sorted(
        f"Note number {n}: spoke to the form tutor." for n in range(NOTES))
    references = list(Incident.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))
    # Every write also took its place in the keyed chains: the audit trail and every
    # incident's history verify, with no fork and nothing missing at either end.
    trail = verify_trail()
    assert trail.ok, trail.problems
    histories = verify_all()
    assert len(histories) == incidents_before + PUPILS
    assert [(c.incident.reference, c.problems) for c in histories if not c.ok] == []
