import json
import time

from django.core import mail

from esafety.filtering import actions, publish
from esafety.filtering.models import BlockedAttempt, FilteringAlert


def record(user, category="redirector", t=None, rule="group-policy"):
    return {"t": t or time.time(), "user": user, "url": "http://proxysite.com/",
            "action": "block", "category": category, "group": "ks3", "rule": rule,
            "client": "10.0.0.9", "policy": "3"}


def test_a_batch_is_stored_in_one_go_with_people_matched(imported, school, pupil):
    count, alerts = actions.decisions_ingest(school=school, records=[
        record("pupil"), record("PUPIL"), record("stranger"), {"bad": "record"}])
    assert count == 3
    assert alerts == []
    rows = BlockedAttempt.objects.order_by("id")
    assert [r.person for r in rows] == [pupil, pupil, None]
    assert rows[0].host == "proxysite.com"


def test_repeated_attempts_within_the_window_alert_the_online_safety_lead(
        imported, school, pupil, online_safety_lead, django_capture_on_commit_callbacks):
    now = time.time()
    with django_capture_on_commit_callbacks(execute=True):
        _, alerts = actions.decisions_ingest(school=school, records=[
            record("pupil", t=now - 60 * i) for i in range(5)])
    assert [(a.person, a.category, a.attempts) for a in alerts] == [(pupil, "redirector", 5)]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [online_safety_lead.email]
    assert "003 \u00a74.4" in mail.outbox[0].body
    # The same run of attempts does not alert twice.
    _, again = actions.decisions_ingest(school=school, records=[record("pupil", t=now + 1)])
    assert again == []


def test_attempts_spread_out_beyond_the_window_do_not_alert(imported, school, pupil):
    now = time.time()
    _, alerts = actions.decisions_ingest(school=school, records=[
        record("pupil", t=now - 3600 * i) for i in range(6)])
    assert alerts == []
    assert FilteringAlert.objects.count() == 0


def test_ingest_reads_the_helpers_completed_spool_files(imported, school, pupil):
    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    (folder / "1-1-1.jsonl").write_text(json.dumps(record("pupil")) + "\nnot json\n")
    (folder / "1-1-2.jsonl.part").write_text(json.dumps(record("pupil")) + "\n")
    files, rows, _ = actions.ingest_spool(school=school)
    assert (files, rows) == (1, 1)
    assert sorted(p.name for p in folder.iterdir()) == ["1-1-2.jsonl.part"]


def test_the_ingest_command_reports_what_it_loaded(imported, school, pupil, capsys):
    from django.core.management import call_command

    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    (folder / "9-9-1.jsonl").write_text(json.dumps(record("pupil")) + "\n")
    call_command("filter", "ingest", "--school", school.slug)
    assert capsys.readouterr().out.strip() == (
        "Ingested 1 file(s): 1 line(s) read, 1 decision(s) stored, 0 allowed count(s) added, "
        "0 line(s) skipped; 0 alert(s) raised.")
    assert BlockedAttempt.objects.get().person == pupil


def test_the_ingest_command_says_which_lines_it_skipped_and_why_and_carries_on(
        imported, school, pupil, capsys):
    from django.core.management import call_command

    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    good = json.dumps(record("pupil"))
    lines = [good, "not json", "{broken", "[1, 2]", json.dumps({"user": "pupil"}), good,
             json.dumps(record("pupil") | {"t": "soon"}), "", *["garbage"] * 6, good]
    (folder / "9-9-2.jsonl").write_text("\n".join(lines) + "\n")
    call_command("filter", "ingest", "--school", school.slug)
    assert capsys.readouterr().out.splitlines() == [
        "Ingested 1 file(s): 14 line(s) read, 3 decision(s) stored, 0 allowed count(s) "
        "added, 11 line(s) skipped; 0 alert(s) raised.",
        "  skipped 8: not JSON (first at 9-9-2.jsonl:2, 9-9-2.jsonl:3, 9-9-2.jsonl:9, "
        "9-9-2.jsonl:10, 9-9-2.jsonl:11, ...)",
        "  skipped 1: not a log entry (first at 9-9-2.jsonl:4)",
        "  skipped 1: a field missing (first at 9-9-2.jsonl:5)",
        "  skipped 1: a value that cannot be read (first at 9-9-2.jsonl:7)",
    ]
    assert BlockedAttempt.objects.count() == 3


def test_the_attempts_screen_shows_what_the_helper_logged_a_moment_ago(
        imported, school, pupil, it_manager, client_for):
    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    (folder / "3-3-3.jsonl").write_text(json.dumps(record("pupil")) + "\n")

    # The page only reads; "Load the latest now" (a POST) loads, then shows the page.
    page = client_for(it_manager).post("/filtering/attempts/load/", follow=True)

    assert page.status_code == 200
    assert [a.person for a in page.context["recent"]] == [pupil]
    assert list(folder.iterdir()) == []
    client_for(it_manager).post("/filtering/attempts/load/")
    assert BlockedAttempt.objects.count() == 1  # loaded once, not again
