"""Loading the filter's decision log in bulk, the daily counts, the screens' queries and the
school's retention (on whichever database the run uses: SQLite here, PostgreSQL in the
PostgreSQL pass; test_decision_logs_postgres.py covers the partitions themselves)."""

import datetime
import json

from esafety.audit.models import AuditEvent
from esafety.filtering import actions, decision_logs, publish, selectors
from esafety.filtering.models import BlockedAttempt, DecisionCount, FilteringSettings

NOW = datetime.datetime.now(datetime.UTC).replace(hour=10, minute=0, second=0, microsecond=0)
TODAY = NOW.date()


def line(user="pupil", url="http://roblox.com/", action="block", category="games",
         at=NOW, **extra):
    return {"t": at.timestamp(), "user": user, "url": url, "client": "10.0.0.9",
            "action": action, "category": category, "group": "ks3", "rule": "group-policy",
            "policy": "3", **extra}


def allowed(user="pupil", n=10, category="news", day=TODAY, **extra):
    return {"kind": "allowed", "day": day.isoformat(), "user": user, "client": "",
            "group": "ks3", "category": category, "n": n, **extra}


def test_logged_lines_are_stored_and_allowed_traffic_only_counted(school, pupil):
    loaded = actions.decisions_load(school=school, records=[
        line(),
        line(url="http://www.google.com/search?q=volcano", action="rewrite", category="",
             term="volcano", host="www.google.com"),
        line(url="http://www.bing.com/search?q=maths", action="search", category="",
             term="maths"),
        allowed(n=40), allowed(n=2, category="sport")])
    assert (loaded.rows, loaded.counted, loaded.skipped) == (3, 2, 0)
    rows = {r.action: r for r in BlockedAttempt.objects.all()}
    assert set(rows) == {"block", "rewrite", "search"}
    assert rows["rewrite"].term == "volcano" and rows["rewrite"].host == "www.google.com"
    assert rows["search"].host == "www.bing.com"  # read from the address when not sent
    assert all(r.person == pupil and r.year_group == 8 and r.client == "10.0.0.9"
               for r in rows.values())
    counts = {(c.action, c.category): c.count for c in DecisionCount.objects.all()}
    assert counts == {("block", "games"): 1, ("rewrite", ""): 1, ("search", ""): 1,
                      ("allow", "news"): 40, ("allow", "sport"): 2}
    # A second load adds to the day's counts.
    actions.decisions_load(school=school, records=[line(), allowed(n=5)])
    counts = {(c.action, c.category): c.count for c in DecisionCount.objects.all()}
    assert counts[("block", "games")] == 2 and counts[("allow", "news")] == 45
    assert DecisionCount.objects.get(action="allow", category="news").person == pupil


def test_bad_spool_lines_are_skipped_and_counted_never_a_crash(school, pupil):
    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    bad = ["not json", "[1, 2]", '"text"', json.dumps({"user": "pupil"}),
           json.dumps(line(at=NOW) | {"t": "soon"}), json.dumps(allowed() | {"n": -3}),
           json.dumps(allowed() | {"day": "Tuesday"}), json.dumps(line() | {"t": 1e300})]
    good = [json.dumps(line()), json.dumps(allowed(n=7))]
    (folder / "1-1-1.jsonl").write_text("\n".join(bad[:4] + good[:1] + bad[4:] + good[1:])
                                        + "\n\n")
    loaded = actions.spool_load(school=school)
    assert (loaded.files, loaded.rows, loaded.counted, loaded.skipped) == (1, 1, 1, 8)
    assert BlockedAttempt.objects.count() == 1
    assert DecisionCount.objects.get(action="allow").count == 7
    assert list(folder.iterdir()) == []


def test_the_screens_queries(school, pupil, make_person):
    year9 = make_person("pupil", username="nine", year_group=9)
    old = NOW - datetime.timedelta(days=10)
    actions.decisions_load(school=school, records=[
        line(user="nine"), line(user="nine"), line(user="nine", category="chat"),
        line(user="nine", category="chat", at=old), line(),
        line(user="nine", url="http://www.google.com/search?q=homework", action="rewrite",
             category="", term="homework"),
        allowed(user="nine", n=100)])
    week = TODAY - datetime.timedelta(days=6)
    assert selectors.top_blocked_categories(school, 9, week) == [("games", 2), ("chat", 1)]
    assert selectors.top_blocked_categories(school, 8, week) == [("games", 1)]
    mine = selectors.pupil_attempts(school, year9.pk, TODAY - datetime.timedelta(days=30))
    assert mine["total"] == 4 and len(mine["recent"]) == 4
    assert mine["recent"][0].at >= mine["recent"][-1].at
    assert [r.term for r in selectors.search_terms(school, year9.pk, week)] == ["homework"]
    assert selectors.search_terms(school, pupil.pk, week) == []
    assert selectors.term_start(datetime.date(2026, 12, 3)) == datetime.date(2026, 9, 1)
    assert selectors.term_start(datetime.date(2027, 5, 1)) == datetime.date(2027, 4, 15)


def test_the_logs_page_shows_a_persons_term_and_searches_and_records_the_look(
        imported, client_for, dsl, school, pupil, make_person):
    year9 = make_person("pupil", username="nine", first_name="Nia", last_name="Nine",
                        year_group=9)
    actions.decisions_load(school=school, records=[
        line(user="nine", url="http://www.google.com/search?q=volcano+facts",
             action="rewrite", category="", term="volcano facts"),
        line(user="nine"), line()])
    client = client_for(dsl)
    page = client.get(f"/filtering/attempts/?person={year9.pk}").content.decode()
    assert "volcano facts" in page and "Safe search applied" in page and "this term" in page
    assert AuditEvent.objects.filter(event_type="filtering_person_logs_viewed",
                                     object_id=str(year9.pk)).count() == 1
    page = client.get("/filtering/attempts/?year=9").content.decode()
    assert "for Year 9: 1 request." in page
    assert client.get("/filtering/attempts/?year=banana&person=x").status_code == 200


def test_retention_forgets_days_past_the_schools_setting(school, pupil):
    FilteringSettings.objects.create(school=school, log_retention_days=30)
    old = NOW - datetime.timedelta(days=40)
    actions.decisions_load(school=school, records=[
        line(at=old), line(at=old), line(), allowed(day=old.date()), allowed()])
    went = actions.log_retention_enforce(school=school)
    assert BlockedAttempt.objects.count() == 1
    assert BlockedAttempt.objects.get().at == NOW
    assert list(DecisionCount.objects.values_list("day", flat=True).distinct()) == [TODAY]
    assert went["counts"] == 2
    if not decision_logs.partitioned():
        assert went == {"partitions": 0, "rows": 2, "counts": 2}


def test_the_it_manager_sets_how_long_the_logs_are_kept(imported, client_for, it_manager,
                                                         school):
    form = {"approver_roles": ["it_manager"], "alert_threshold": "5",
            "alert_window_minutes": "30", "block_page_url": "", "max_suspension_days": "10"}
    client = client_for(it_manager)
    client.post("/filtering/policy/settings/", {**form, "log_retention_days": "90"})
    assert actions.settings_for(school).log_retention_days == 90
    client.post("/filtering/policy/settings/", {**form, "log_retention_days": "2"})
    assert actions.settings_for(school).log_retention_days == 90  # refused, no crash
    client.post("/filtering/policy/settings/", form)  # left out: unchanged
    assert actions.settings_for(school).log_retention_days == 90
    assert "Keep the filter" in client.get("/filtering/policy/").content.decode()
