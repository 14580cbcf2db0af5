"""The retention pages: who may see them (the table), outsiders get 404, bad input is a
message never a 500, and every change is audited."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.incidents import actions as incidents
from esafety.retention.models import PurgeRun, RetentionSetting

PAGES = ["retention:schedule", "retention:subject_search", "retention:dpia",
         "retention:runs_csv"]


@pytest.mark.parametrize("page", PAGES)
def test_the_head_and_dsl_see_the_pages(client_for, headteacher, dsl, page):
    for who in (headteacher, dsl):
        assert client_for(who).get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_other_roles_get_404(client_for, teacher, it_manager, pupil, governor, page):
    for who in (teacher, it_manager, pupil, governor):
        assert client_for(who).get(reverse(page)).status_code == 404


def test_an_outsider_cannot_open_this_schools_subject_or_run(client_for, outsider,
                                                            headteacher, pupil, school):
    from esafety.retention import actions

    run = actions.purge_prepare(actor=headteacher, school=school)
    client = client_for(outsider)
    assert client.get(reverse("retention:subject_preview", args=[pupil.pk])).status_code == 404
    assert client.post(reverse("retention:subject_export", args=[pupil.pk]),
                       {"confirm": "on"}).status_code == 404
    assert client.post(reverse("retention:confirm", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.state == PurgeRun.PREPARED


def test_the_schedule_shows_minimums_and_who_sees(client_for, headteacher):
    page = client_for(headteacher).get(reverse("retention:schedule")).content.decode()
    assert "Online-safety incidents (closed)" in page
    assert "Limitation Act 1980" in page
    assert "Designated safeguarding lead" in page or "designated" in page.lower()


def test_a_period_below_the_minimum_is_a_message(client_for, headteacher, school):
    response = client_for(headteacher).post(reverse("retention:set_period"), {
        "record_type": "incidents", "amount": "1", "unit": "years"})
    assert response.status_code == 400
    assert "at least 6 years" in response.content.decode()
    assert not RetentionSetting.objects.exists()


@pytest.mark.parametrize("data", [{}, {"record_type": "nonsense", "amount": "3", "unit": "years"},
                                  {"record_type": "incidents", "amount": "x", "unit": "years"},
                                  {"record_type": "incidents", "amount": "3", "unit": "weeks"},
                                  {"record_type": "incidents", "amount": "-4", "unit": "days"},
                                  {"record_type": "incidents", "amount": "99999", "unit": "years"}])
def test_junk_is_refused_plainly(client_for, headteacher, data):
    response = client_for(headteacher).post(reverse("retention:set_period"), data)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(event_type="retention_set").exists()


def test_setting_a_period_is_audited(client_for, headteacher, school):
    response = client_for(headteacher).post(reverse("retention:set_period"), {
        "record_type": "incidents", "amount": "8", "unit": "years"})
    assert response.status_code == 302
    assert RetentionSetting.objects.get(school=school).days == 8 * 365
    assert AuditEvent.objects.get(event_type="retention_set").actor == headteacher


def test_dry_run_confirm_and_cancel_from_the_page(client_for, dsl, school):
    client = client_for(dsl)
    assert client.post(reverse("retention:prepare")).status_code == 302
    run = PurgeRun.objects.get(school=school)
    page = client.get(reverse("retention:schedule")).content.decode()
    assert "Dry run waiting for confirmation" in page
    assert client.post(reverse("retention:confirm", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.state == PurgeRun.CONFIRMED and run.confirmed_by == dsl
    # A second confirmation is a message, not a 500.
    assert client.post(reverse("retention:confirm", args=[run.pk])).status_code == 302
    assert client.post(reverse("retention:cancel", args=[run.pk])).status_code == 302


def test_get_never_confirms(client_for, headteacher, school):
    from esafety.retention import actions

    run = actions.purge_prepare(actor=headteacher, school=school)
    assert client_for(headteacher).get(reverse("retention:confirm", args=[run.pk])) \
        .status_code == 405


@pytest.fixture
def reported_with_names(pupil, dsl, make_person):
    make_person(username="jbloggs", first_name="Jordan", last_name="Bloggs",
                role="pupil", year_group=8)
    return incidents.incident_report(
        actor=pupil, kind="cyberbullying", via="pupil", people=[pupil],
        description="Jordan Bloggs keeps posting about me; Jordan said it was a joke.")


def test_the_preview_shows_what_will_be_removed_and_is_audited(client_for, dsl, pupil,
                                                              reported_with_names):
    response = client_for(dsl).get(reverse("retention:subject_preview", args=[pupil.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jordan Bloggs" in page and "Reports they made" in page
    assert AuditEvent.objects.filter(event_type="subject_access_previewed",
                                     object_id=str(pupil.pk)).count() == 1


def test_the_bundle_needs_the_reviewers_confirmation(client_for, dsl, pupil,
                                                     reported_with_names):
    response = client_for(dsl).post(reverse("retention:subject_export", args=[pupil.pk]), {})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="subject_access_exported").exists()


def test_the_bundle_holds_their_records_with_other_names_removed(client_for, dsl, pupil,
                                                                 reported_with_names):
    response = client_for(dsl).post(reverse("retention:subject_export", args=[pupil.pk]),
                                    {"confirm": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"summary.html", "directory.json", "reports.json", "reports.csv",
            "incidents.json", "audit.json"} <= names
    reports = json.loads(archive.read("reports.json"))
    assert reports[0]["description"] == ("[name removed] keeps posting about me; [name removed] "
                                         "said it was a joke.")
    directory = json.loads(archive.read("directory.json"))
    assert directory[0]["username"] == pupil.username
    for name in names:
        assert b"Bloggs" not in archive.read(name)
    row = AuditEvent.objects.get(event_type="subject_access_exported")
    assert row.actor == dsl and row.details["redacted_names"] >= 2
    assert row.details["sections"]["reports"] == 1


def test_the_command_lists_redactions_then_writes_the_bundle(pupil, school, tmp_path,
                                                             reported_with_names, capsys):
    with pytest.raises(CommandError, match="--confirm-redactions"):
        call_command("export", "person", pupil.username, "--school", school.slug)
    listed = capsys.readouterr().out
    assert "Reports they made: 1" in listed
    assert re.search(r"^  Jordan Bloggs \(\d+\)$", listed, re.M)
    out = tmp_path / "bundle.zip"
    call_command("export", "person", pupil.username, "--school", school.slug, "--out",
                 str(out), "--confirm-redactions")
    assert "summary.html" in zipfile.ZipFile(out).namelist()
    assert AuditEvent.objects.filter(event_type="subject_access_exported").count() == 1


def test_the_command_names_an_unknown_person(school):
    with pytest.raises(CommandError, match="nobody called"):
        call_command("export", "person", "nobody", "--school", school.slug)


def test_the_dpia_follows_the_live_schedule(client_for, headteacher, school):
    from esafety.retention import actions

    actions.retention_set(actor=headteacher, school=school, record_type="notices",
                          days=3 * 365)
    page = client_for(headteacher).get(reverse("retention:dpia")).content.decode()
    assert "3 years" in page and "Notices sent to staff" in page
    text = client_for(headteacher).get(reverse("retention:dpia") + "?format=text")
    assert "- Kept for: 3 years" in text.content.decode()


def test_every_section_is_in_the_bundle_even_when_empty(teacher, school):
    from esafety.retention import subject

    bundle = subject.build(teacher)
    assert [s.name for s in bundle.sections] == [
        "directory", "agreements", "reports", "incidents", "concerns", "notices",
        "suspensions", "unblocks", "filtering_alerts", "filter_log", "audit"]
    assert bundle.counts["directory"] == 1


def test_the_runs_download_as_csv(client_for, headteacher, school, outsider):
    from esafety.retention import actions

    actions.purge_prepare(actor=headteacher, school=school)
    text = client_for(headteacher).get(reverse("retention:runs_csv")).content.decode()
    assert "Online-safety incidents (closed)" in text and "Waiting for confirmation" in text
    theirs = client_for(outsider).get(reverse("retention:runs_csv")).content.decode()
    assert "Waiting for confirmation" not in theirs


def test_the_dry_run_says_periods_in_years_and_offers_no_empty_purge(client_for, headteacher,
                                                                    school):
    from esafety.retention import actions

    actions.purge_prepare(actor=headteacher, school=school)
    page = client_for(headteacher).get(reverse("retention:schedule")).content.decode()
    assert "25 years" in page and "9125" not in page
    assert "there is nothing to remove" in page and "Confirm: remove" not in page
