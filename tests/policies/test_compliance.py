"""The compliance view: who accepted, declined or has not responded, filterable and exportable."""

import csv
import io

from esafety.directory import roles
from esafety.policies import actions, status

URL = "/policies/agreements/"


def accept_staff_aup(person):
    version = status.current_aup(person.school, roles.AUDIENCE_STAFF)
    if version:
        actions.acceptance_record(actor=person, person=person, version=version, decision="accepted")


def test_everyone_in_the_audience_is_listed_with_their_answer(headteacher, make_person, publish, client_for):
    version = publish(roles.AUDIENCE_KS3)
    accepted = make_person(roles.PUPIL, year_group=7, first_name="Ava")
    declined = make_person(roles.PUPIL, year_group=8, first_name="Ben")
    pending = make_person(roles.PUPIL, year_group=9, first_name="Cal")
    make_person(roles.PUPIL, year_group=10, first_name="Dee")  # KS4: another audience
    actions.acceptance_record(actor=accepted, person=accepted, version=version, decision="accepted")
    actions.acceptance_record(actor=declined, person=declined, version=version, decision="declined")

    response = client_for(headteacher).get(URL, {"audience": roles.AUDIENCE_KS3})

    rows = {row.person.first_name: row.status for row in response.context["rows"]}
    assert rows == {"Ava": "accepted", "Ben": "declined", "Cal": "pending"}
    line = next(x for x in response.context["summary"] if x["document"].audience == roles.AUDIENCE_KS3)
    assert (line["accepted"], line["declined"], line["pending"], line["total"]) == (1, 1, 1, 3)
    assert pending.display_name in response.content.decode()


def test_the_list_filters_by_status_year_form_and_name(headteacher, make_person, publish, client_for):
    publish(roles.AUDIENCE_KS3)
    make_person(roles.PUPIL, year_group=7, form="7A", first_name="Ava")
    make_person(roles.PUPIL, year_group=7, form="7B", first_name="Ava-Mae")
    make_person(roles.PUPIL, year_group=8, form="8A", first_name="Ben")
    client = client_for(headteacher)

    def names(**query):
        response = client.get(URL, {"audience": roles.AUDIENCE_KS3, **query})
        return sorted(r.person.first_name for r in response.context["rows"])

    assert names(status="pending") == ["Ava", "Ava-Mae", "Ben"]
    assert names(status="accepted") == []
    assert names(year_group="7") == ["Ava", "Ava-Mae"]
    assert names(form="7b") == ["Ava-Mae"]
    assert names(q="ava") == ["Ava", "Ava-Mae"]


def test_the_list_downloads_as_csv_with_dates(headteacher, teacher, publish, client_for):
    version = publish(roles.AUDIENCE_STAFF, "2.0")
    accept_staff_aup(headteacher)
    client = client_for(headteacher)

    response = client.get(URL, {"audience": roles.AUDIENCE_STAFF, "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"aup-staff-v{version.number}-" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {r["name"]: r for r in rows}
    assert by_name[headteacher.display_name]["status"] == "accepted"
    assert by_name[headteacher.display_name]["decided_at"]
    assert by_name[teacher.display_name]["status"] == "pending"
    assert by_name[teacher.display_name]["decided_at"] == ""


def test_older_versions_can_be_looked_at(headteacher, publish, client_for):
    first = publish(roles.AUDIENCE_STAFF, "1.0")
    accept_staff_aup(headteacher)
    publish(roles.AUDIENCE_STAFF, "2.0")
    accept_staff_aup(headteacher)
    response = client_for(headteacher).get(URL, {"audience": roles.AUDIENCE_STAFF, "version": first.pk})
    assert response.context["version"] == first
    assert [r.status for r in response.context["rows"]] == ["accepted"]


def test_leavers_and_expired_guests_are_not_counted(headteacher, make_person, publish, client_for):
    import datetime

    from django.utils import timezone
    publish(roles.AUDIENCE_VISITORS)
    make_person(roles.VISITOR, first_name="Current")
    make_person(roles.VISITOR, first_name="Gone", access_expires_at=timezone.now() - datetime.timedelta(days=1))
    rows = client_for(headteacher).get(URL, {"audience": roles.AUDIENCE_VISITORS}).context["rows"]
    assert [r.person.first_name for r in rows] == ["Current"]


def test_only_leaders_see_the_compliance_view(teacher, dsl, online_safety_lead, publish, client_for):
    publish(roles.AUDIENCE_KS3)
    assert client_for(teacher).get(URL).status_code == 404
    assert client_for(dsl).get(URL).status_code == 404
    assert client_for(online_safety_lead).get(URL).status_code == 200


def test_another_schools_headteacher_sees_only_their_own_school(outsider, pupil, publish, client_for):
    publish(roles.AUDIENCE_KS3)
    response = client_for(outsider).get(URL, {"audience": roles.AUDIENCE_KS3})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert pupil.display_name not in response.content.decode()


def test_an_unknown_version_shows_the_audiences_current_version(headteacher, publish, client_for):
    current = publish(roles.AUDIENCE_KS3)
    for wanted in ("99999", "abc"):
        response = client_for(headteacher).get(URL, {"audience": "pupils_ks3", "version": wanted})
        assert response.status_code == 200, wanted
        assert response.context["version"] == current


def test_the_filter_works_for_every_audience_after_changing_it(headteacher, make_person, publish,
                                                               client_for):
    """Changing the audience keeps the previous audience's version in the form."""
    staff_v1 = publish(roles.AUDIENCE_STAFF, "1.0")
    staff_v2 = publish(roles.AUDIENCE_STAFF, "2.0")
    actions.acceptance_record(actor=headteacher, person=headteacher, version=staff_v2,
                              decision="accepted")
    published = {audience: publish(audience) for audience, _ in roles.AUDIENCE_CHOICES
                 if audience != roles.AUDIENCE_STAFF}
    published[roles.AUDIENCE_STAFF] = staff_v2
    client = client_for(headteacher)

    for audience, _label in roles.AUDIENCE_CHOICES:
        # What the browser sends after the audience select is changed on the staff page.
        response = client.get(URL, {"audience": audience, "version": staff_v1.pk,
                                    "status": "", "q": ""})
        assert response.status_code == 200, audience
        wanted = staff_v1 if audience == roles.AUDIENCE_STAFF else published[audience]
        assert response.context["version"] == wanted, audience
        # and again from a pupil page, whose year group and form are still filled in
        response = client.get(URL, {"audience": audience, "version": published[roles.AUDIENCE_KS3].pk,
                                    "status": "", "year_group": "8", "form": "8B", "q": ""})
        assert response.status_code == 200, audience
        assert response.context["version"] == published[audience], audience


def test_a_pupil_filter_left_over_does_not_empty_the_staff_list(headteacher, teacher, publish,
                                                                client_for):
    version = publish(roles.AUDIENCE_STAFF)
    actions.acceptance_record(actor=headteacher, person=headteacher, version=version,
                              decision="accepted")
    response = client_for(headteacher).get(URL, {"audience": roles.AUDIENCE_STAFF,
                                                 "year_group": "8", "form": "8B"})
    assert {row.person for row in response.context["rows"]} == {headteacher, teacher}


def test_an_audience_without_a_policy_says_so_and_keeps_the_filter(headteacher, publish,
                                                                    client_for):
    publish(roles.AUDIENCE_KS3)
    response = client_for(headteacher).get(URL, {"audience": roles.AUDIENCE_VISITORS})
    page = response.content.decode()
    assert response.status_code == 200
    assert "No Acceptable Use Policy has been published for this group yet." in page
    assert 'name="audience"' in page


def test_nonsense_in_the_filter_is_named_not_a_failure(headteacher, publish, client_for):
    publish(roles.AUDIENCE_KS3)
    response = client_for(headteacher).get(URL, {"audience": "martians", "year_group": "99",
                                                 "version": "x"})
    assert response.status_code == 200
    assert "Some of the filters were not understood" in response.content.decode()


def test_only_agreements_is_the_current_page_in_the_navigation(headteacher, client_for):
    response = client_for(headteacher).get(URL)
    assert [item["label"] for item in response.context["nav_items"] if item["current"]] == [
        "Agreements"]
