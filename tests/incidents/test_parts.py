"""People in a case have parts; only an alleged perpetrator is rated or sanctioned.

Before: ratings and sanctions attached to "people involved", a pupil's report listed only
the pupil, so the victim was rated and the rating showed on their chronology; a dismissal
could be recorded after a "mild" rating, with no judgement, one investigator, on a closed
case (004 App. II: "If the allegations are proven...").
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.urls import reverse

from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import actions, rules
from esafety.incidents.models import IncidentEvent, Involvement, Rating, Sanction

# --- parts ---------------------------------------------------------------------------------


def test_a_pupil_who_reports_about_themselves_is_the_reporter_never_the_alleged(reported,
                                                                                 pupil):
    [row] = Involvement.objects.filter(incident=reported)
    assert (row.person, row.part, row.added_by) == (pupil, "reporter", pupil)
    assert reported.part_of(pupil) == "reporter"
    assert IncidentEvent.objects.get(incident=reported, kind="reported").data["parts"] == {
        str(pupil.pk): "reporter"}


def test_the_victim_cannot_be_rated(investigated, dsl, pupil):
    with pytest.raises(InvalidInput) as refused:
        actions.misuse_rate(actor=dsl, incident=investigated, person=pupil, rating="mild")
    assert refused.value.code == "not-alleged"
    assert "recorded as reporter" in str(refused.value)
    actions.involvement_set(actor=dsl, incident=investigated, person=pupil, part="target")
    with pytest.raises(InvalidInput) as refused:
        actions.misuse_rate(actor=dsl, incident=investigated, person=pupil, rating="mild")
    assert "recorded as target / victim" in str(refused.value)
    assert not Rating.objects.exists()


def test_people_listed_by_staff_are_other_until_the_investigators_say(teacher, pupil, bully):
    incident = actions.incident_report(actor=teacher, kind="cyberbullying",
                                       description="Comments in the form group chat",
                                       people=[pupil, bully])
    assert incident.part_of(pupil) == "other" and incident.part_of(bully) == "other"
    assert list(incident.people) == [bully, pupil]  # by surname


def test_a_report_can_give_parts_but_not_unknown_ones(teacher, pupil, bully):
    incident = actions.incident_report(actor=teacher, kind="cyberbullying", description="x",
                                       people=[pupil, bully],
                                       parts={pupil.pk: "target", bully.pk: "alleged"})
    assert (incident.part_of(pupil), incident.part_of(bully)) == ("target", "alleged")
    with pytest.raises(InvalidInput):
        actions.incident_report(actor=teacher, kind="other", description="x", people=[bully],
                                parts={bully.pk: "ringleader"})


def test_investigators_add_and_change_parts_and_each_change_is_in_the_history(
        investigated, dsl, online_safety_lead, pupil, bully, make_person):
    witness = make_person(roles.PUPIL, username="wit", first_name="Wes", last_name="Witness")
    actions.involvement_set(actor=dsl, incident=investigated, person=witness, part="witness")
    actions.involvement_set(actor=online_safety_lead, incident=investigated, person=bully,
                            part="witness")
    actions.involvement_set(actor=dsl, incident=investigated, person=bully, part="alleged",
                            reason="Messages show they started it")
    actions.involvement_set(actor=dsl, incident=investigated, person=pupil, part="target")
    assert {p.pk: investigated.part_of(p) for p in (pupil, bully, witness)} == {
        pupil.pk: "target", bully.pk: "alleged", witness.pk: "witness"}
    # Nothing is deleted: bully's first part and the pupil's "reporter" are kept, closed.
    old = Involvement.objects.get(person=bully, part="witness")
    assert old.removed_by == dsl and old.removed_at is not None
    assert Involvement.objects.filter(person=pupil, part="reporter",
                                      removed_at__isnull=False).exists()
    events = list(IncidentEvent.objects.filter(incident=investigated,
                                               kind__startswith="involvement").order_by("seq"))
    assert [(e.kind, e.actor, e.data["part"], e.data["before"]) for e in events] == [
        ("involvement_added", dsl, "witness", None),
        ("involvement_added", online_safety_lead, "witness", None),
        ("involvement_changed", dsl, "alleged", "witness"),
        ("involvement_changed", dsl, "target", "reporter")]
    assert events[2].data["reason"] == "Messages show they started it"


def test_the_same_part_twice_is_refused(with_bully, dsl, bully):
    with pytest.raises(Conflict):
        actions.involvement_set(actor=dsl, incident=with_bully, person=bully, part="alleged")


def test_parts_can_be_recorded_after_the_case_is_closed(investigated, dsl, bully):
    actions.incident_judge(actor=dsl, incident=investigated, outcome="no_substance",
                           reasons="Nothing in it")
    actions.incident_close(actor=dsl, incident=investigated)
    actions.involvement_set(actor=dsl, incident=investigated, person=bully, part="witness")
    assert investigated.part_of(bully) == "witness"


def test_someone_from_another_school_cannot_be_added(investigated, dsl, outsider):
    with pytest.raises(InvalidInput) as refused:
        actions.involvement_set(actor=dsl, incident=investigated, person=outsider, part="other")
    assert refused.value.code == "other-school"


def test_taking_someone_off_the_case_needs_a_reason_and_is_kept(with_bully, dsl, bully):
    with pytest.raises(InvalidInput):
        actions.involvement_remove(actor=dsl, incident=with_bully, person=bully, reason=" ")
    actions.involvement_remove(actor=dsl, incident=with_bully, person=bully,
                               reason="Listed by mistake: a different Bo")
    assert with_bully.part_of(bully) is None
    row = Involvement.objects.get(person=bully)
    assert row.removed_reason == "Listed by mistake: a different Bo"
    assert IncidentEvent.objects.filter(incident=with_bully, kind="involvement_removed").exists()


def test_a_rated_person_keeps_their_part_until_the_rating_is_withdrawn(with_bully, dsl, bully):
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    for change in (lambda: actions.involvement_set(actor=dsl, incident=with_bully, person=bully,
                                                   part="witness"),
                   lambda: actions.involvement_remove(actor=dsl, incident=with_bully,
                                                      person=bully, reason="mistake")):
        with pytest.raises(Conflict) as refused:
            change()
        assert refused.value.code == "rated"
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Wrong pupil")
    actions.involvement_set(actor=dsl, incident=with_bully, person=bully, part="witness")


def test_the_member_of_staff_an_allegation_is_about_is_its_alleged_perpetrator(
        allegation, headteacher, teacher):
    assert allegation.part_of(teacher) == "alleged"
    with pytest.raises(InvalidInput) as refused:
        actions.involvement_set(actor=headteacher, incident=allegation, person=teacher,
                                part="witness")
    assert refused.value.code == "subject-is-alleged"


def test_passing_a_case_on_as_an_allegation_makes_the_staff_member_alleged(reported, dsl,
                                                                          teacher):
    actions.allegation_subject_set(actor=dsl, incident=reported, person=teacher)
    assert reported.part_of(teacher) == "alleged"


def test_an_alleged_perpetrator_cannot_investigate_and_an_investigator_cannot_be_alleged(
        reported, dsl, assistant_head, online_safety_lead):
    actions.involvement_set(actor=dsl, incident=reported, person=assistant_head, part="alleged")
    with pytest.raises(InvalidInput) as refused:
        actions.investigator_add(actor=dsl, incident=reported, person=assistant_head)
    assert refused.value.code == "alleged-cannot-investigate"
    actions.investigator_add(actor=dsl, incident=reported, person=online_safety_lead)
    with pytest.raises(InvalidInput) as refused:
        actions.involvement_set(actor=dsl, incident=reported, person=online_safety_lead,
                                part="alleged")
    assert refused.value.code == "investigator-alleged"


# --- ratings --------------------------------------------------------------------------------


def test_a_rating_is_withdrawn_with_a_reason_and_kept_in_the_history(with_bully, dsl, bully):
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="serious")
    with pytest.raises(InvalidInput):
        actions.rating_withdraw(actor=dsl, rating=rating, reason="")
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Rated before the logs were read")
    rating.refresh_from_db()
    assert rating.is_withdrawn and rating.withdrawn_by == dsl
    assert rating.withdrawn_reason == "Rated before the logs were read"
    event = IncidentEvent.objects.get(incident=with_bully, kind="rating_withdrawn")
    assert (event.actor, event.data["rating_id"]) == (dsl, rating.pk)
    with pytest.raises(Conflict):
        actions.rating_withdraw(actor=dsl, rating=rating, reason="again")
    assert Rating.objects.count() == 1


def test_a_rating_never_shows_on_a_victims_chronology(with_bully, dsl, pupil, bully,
                                                      client_for):
    from esafety.incidents.models import Rating as RatingModel

    actions.involvement_set(actor=dsl, incident=with_bully, person=pupil, part="target")
    # A rating recorded for the victim before this rule existed (as the old code allowed).
    RatingModel.objects.create(incident=with_bully, person=pupil, rating="serious",
                               rated_by=dsl, rated_at=with_bully.reported_at)
    actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    victim = client_for(dsl).get(reverse("incidents:chronology", args=[pupil.pk]))
    text = victim.content.decode()
    assert "Misuse rated" not in text and "target / victim" in text
    alleged = client_for(dsl).get(reverse("incidents:chronology", args=[bully.pk]))
    assert "Misuse rated mild" in alleged.content.decode()


def test_a_withdrawn_rating_leaves_the_chronology(with_bully, dsl, bully, client_for):
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Wrong pupil")
    page = client_for(dsl).get(reverse("incidents:chronology", args=[bully.pk]))
    assert "Misuse rated" not in page.content.decode()


# --- sanctions ------------------------------------------------------------------------------


@pytest.fixture
def rated_bully(substantiated, dsl, bully):
    actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    return substantiated


def test_a_sanction_within_the_range_on_a_substantiated_case_is_recorded(rated_bully, dsl,
                                                                         bully):
    made = actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                   kind="letter_to_parents", reasons="First time")
    assert made.rating.rating == "mild" and made.override_reason == ""
    event = IncidentEvent.objects.get(incident=rated_bully, kind="sanction_recorded")
    assert event.data["rating_id"] == made.rating_id and "override" not in event.data


def test_the_victim_is_never_sanctioned(substantiated, dsl, pupil, headteacher):
    for actor, extra in ((dsl, {}), (headteacher, {"override_reason": "Because I say so"})):
        with pytest.raises(InvalidInput) as refused:
            actions.sanction_record(actor=actor, incident=substantiated, person=pupil,
                                    kind="letter_to_parents", reasons="r", **extra)
        assert refused.value.code == "not-alleged"
    assert not Sanction.objects.exists()


def test_a_sanction_needs_a_judgement_that_the_concern_has_substance(with_bully, dsl, bully):
    actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    with pytest.raises(Conflict) as refused:
        actions.sanction_record(actor=dsl, incident=with_bully, person=bully,
                                kind="letter_to_parents", reasons="r")
    assert refused.value.code == "sanction-refused"
    assert "has substance" in str(refused.value) and "004 App. II" in str(refused.value)
    actions.incident_judge(actor=dsl, incident=with_bully, outcome="no_substance",
                           reasons="Nothing in it")
    with pytest.raises(Conflict):
        actions.sanction_record(actor=dsl, incident=with_bully, person=bully,
                                kind="letter_to_parents", reasons="r")
    assert not Sanction.objects.exists()


def test_a_sanction_needs_a_current_rating(substantiated, dsl, bully):
    with pytest.raises(Conflict) as refused:
        actions.sanction_record(actor=dsl, incident=substantiated, person=bully,
                                kind="letter_to_parents", reasons="r")
    assert "Rate Bo Bully's misuse first" in str(refused.value)
    rating = actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Mistaken")
    with pytest.raises(Conflict):
        actions.sanction_record(actor=dsl, incident=substantiated, person=bully,
                                kind="letter_to_parents", reasons="r")
    assert not Sanction.objects.exists()


def test_a_sanction_outside_the_range_for_the_rating_is_refused(rated_bully, dsl, bully):
    with pytest.raises(Conflict) as refused:
        actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                kind="further_restrictions", reasons="r")
    assert "outside the range the policy gives for a mild and non-offensive rating" in str(
        refused.value)
    # Deciding on no sanction is always open.
    assert actions.sanction_record(actor=dsl, incident=rated_bully, person=bully, kind="none",
                                   reasons="Apologised; parents spoken to").kind == "none"


def test_a_sanction_on_a_closed_case_is_refused_even_for_the_headteacher(rated_bully, dsl,
                                                                         headteacher, bully):
    actions.incident_close(actor=dsl, incident=rated_bully)
    with pytest.raises(Conflict) as refused:
        actions.sanction_record(actor=headteacher, incident=rated_bully, person=bully,
                                kind="letter_to_parents", reasons="r",
                                override_reason="Parents asked for it")
    assert refused.value.code == "incident-closed"


def test_the_range_table_follows_004_appendix_one():
    assert rules.SANCTIONS_BY_RATING["staff"] == {
        "gross": ["dismissal"], "serious": ["final_written_warning", "written_warning"],
        "mild": ["written_warning", "verbal_warning", "informal_process"]}
    assert not rules.sanction_in_range("dismissal", "mild", for_pupil=False)
    assert rules.sanction_in_range("none", "gross", for_pupil=False)
    assert rules.SUBSTANTIATED_OUTCOMES == {"internal", "local_authority", "police"}


@pytest.fixture
def accused_teacher_case(allegation, headteacher, teacher, assistant_head):
    """An allegation with one investigator and a mild rating, not judged: the old gap."""
    actions.investigator_add(actor=headteacher, incident=allegation, person=assistant_head)
    actions.misuse_rate(actor=headteacher, incident=allegation, person=teacher, rating="mild")
    return allegation


def test_dismissal_after_a_mild_rating_without_judgement_and_one_investigator_is_refused(
        accused_teacher_case, assistant_head, teacher):
    with pytest.raises(Conflict) as refused:
        actions.sanction_record(actor=assistant_head, incident=accused_teacher_case,
                                person=teacher, kind="dismissal", reasons="r")
    text = str(refused.value)
    assert "has substance" in text and "1 named so far" in text and "outside the range" in text
    with pytest.raises(NotAllowed) as refused:
        actions.sanction_record(actor=assistant_head, incident=accused_teacher_case,
                                person=teacher, kind="dismissal", reasons="r",
                                override_reason="I am sure")
    assert refused.value.code == "not-headteacher"
    assert not Sanction.objects.exists()


def test_the_headteacher_may_override_with_reasons_kept_in_the_history(
        accused_teacher_case, headteacher, teacher):
    made = actions.sanction_record(
        actor=headteacher, incident=accused_teacher_case, person=teacher,
        kind="final_written_warning", reasons="Repeated contact after a warning",
        override_reason="Earlier written warning on file for the same conduct")
    assert made.override_reason == "Earlier written warning on file for the same conduct"
    event = IncidentEvent.objects.get(incident=accused_teacher_case, kind="sanction_recorded")
    assert event.actor == headteacher
    assert event.data["override"]["reason"] == made.override_reason
    assert any("outside the range" in p for p in event.data["override"]["problems"])


def test_a_dsl_cannot_override(rated_bully, dsl, bully):
    with pytest.raises(NotAllowed):
        actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                kind="anti_bullying", reasons="r", override_reason="Because")


# --- screens --------------------------------------------------------------------------------


def test_the_case_page_shows_people_by_part_and_offers_only_alleged_perpetrators(
        with_bully, dsl, pupil, bully, client_for):
    actions.involvement_set(actor=dsl, incident=with_bully, person=pupil, part="target")
    page = client_for(dsl).get(reverse("incidents:detail", args=[with_bully.pk]))
    text = page.content.decode()
    text = text[text.index('<section id="people"'):text.index('<section id="investigation"')]
    assert text.index("Target / victim") < text.index("Pip Pupil") < text.index(
        "Alleged perpetrator") < text.index("Bo Bully")
    assert list(page.context["rating_form"].fields["person"].queryset) == [bully]
    assert list(page.context["sanction_form"].fields["person"].queryset) == [bully]
    assert "override_reason" not in page.context["sanction_form"].fields


def test_with_nobody_alleged_the_page_says_so_instead_of_offering_forms(investigated, dsl,
                                                                        client_for):
    page = client_for(dsl).get(reverse("incidents:detail", args=[investigated.pk]))
    text = page.content.decode()
    assert "Nobody in this case is recorded as an alleged perpetrator" in text
    assert reverse("incidents:rate", args=[investigated.pk]) not in text


def test_investigators_find_and_add_a_parent_as_alleged_perpetrator_from_the_page(
        with_bully, dsl, parent, client_for, monkeypatch):
    """A parent who sent an abusive message can be recorded from the case page: the picker
    suggests parents (scope "case"), and the typed name works without JavaScript."""
    from esafety.directory import picker

    monkeypatch.setattr(picker, "SELECT_UP_TO", 0)  # a real school's list: a search box
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[with_bully.pk])).content.decode()
    assert "/people/search?scope=case" in page
    found = client.get("/people/search", {"q": "Pat Pupil", "scope": "case"}).json()
    assert [r["username"] for r in found["results"]] == ["parent"]
    response = client.post(reverse("incidents:involvement", args=[with_bully.pk]),
                           {"part-person": "Pat Pupil (parent)", "part-part": "alleged",
                            "part-reason": "Sent the messages"})
    assert response.status_code == 302
    assert with_bully.part_of(parent) == "alleged"


def test_parts_are_changed_and_ratings_withdrawn_through_the_page(with_bully, dsl, pupil, bully,
                                                                 client_for):
    client = client_for(dsl)
    response = client.post(reverse("incidents:involvement", args=[with_bully.pk]),
                           {"part-person": pupil.pk, "part-part": "target"})
    assert response.status_code == 302 and with_bully.part_of(pupil) == "target"
    response = client.post(reverse("incidents:rate", args=[with_bully.pk]),
                           {"rating-person": pupil.pk, "rating-rating": "mild"})
    assert response.status_code == 400 and not Rating.objects.exists()
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    response = client.post(reverse("incidents:rating_withdraw", args=[with_bully.pk, rating.pk]),
                           {"unrate-reason": "Mistaken"})
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.withdrawn_reason == "Mistaken"
    page = client.get(reverse("incidents:detail", args=[with_bully.pk])).content.decode()
    assert "Withdrawn by Dev Safeguard" in page and "Mistaken" in page


def test_a_refused_sanction_says_why_on_the_page(with_bully, dsl, bully, client_for):
    actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    response = client_for(dsl).post(reverse("incidents:sanction", args=[with_bully.pk]), {
        "sanction-person": bully.pk, "sanction-kind": "letter_to_parents",
        "sanction-reasons": "r"})
    assert response.status_code == 400
    assert "No judgement that the concern has substance" in response.content.decode()
    assert not Sanction.objects.exists()


def test_the_headteacher_sees_and_uses_the_override_on_the_page(accused_teacher_case,
                                                                headteacher, teacher,
                                                                client_for):
    client = client_for(headteacher)
    url = reverse("incidents:detail", args=[accused_teacher_case.pk])
    assert "override_reason" in client.get(url).context["sanction_form"].fields
    response = client.post(reverse("incidents:sanction", args=[accused_teacher_case.pk]), {
        "sanction-person": teacher.pk, "sanction-kind": "verbal_warning",
        "sanction-reasons": "Spoken to", "sanction-override_reason": "Agreed with HR"})
    assert response.status_code == 302
    assert Sanction.objects.get().override_reason == "Agreed with HR"
    assert "Headteacher&#x27;s override" in client.get(url).content.decode()


@pytest.fixture
def governor_person(make_person):
    return make_person(roles.GOVERNOR, username="gov2")


@pytest.mark.parametrize("who", ["teacher", "pupil", "parent", "governor_person", "outsider",
                                 "subject"])
def test_people_who_are_not_on_the_case_cannot_change_parts_or_ratings(
        who, request, with_bully, dsl, bully, teacher, client_for, make_person):
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    if who == "subject":
        # A member of staff who is the alleged perpetrator of a case they cannot see.
        actions.involvement_set(actor=dsl, incident=with_bully, person=teacher, part="alleged")
        person = teacher
    else:
        person = request.getfixturevalue(who)
    client = client_for(person)
    pk = with_bully.pk
    before = IncidentEvent.objects.filter(incident=with_bully).count()
    for url, data in (
            (reverse("incidents:involvement", args=[pk]),
             {"part-person": bully.pk, "part-part": "witness"}),
            (reverse("incidents:involvement_remove", args=[pk, bully.pk]),
             {"remove-reason": "x"}),
            (reverse("incidents:rating_withdraw", args=[pk, rating.pk]), {"unrate-reason": "x"}),
            (reverse("incidents:rate", args=[pk]),
             {"rating-person": bully.pk, "rating-rating": "gross"}),
            (reverse("incidents:sanction", args=[pk]),
             {"sanction-person": bully.pk, "sanction-kind": "none", "sanction-reasons": "x"})):
        assert client.post(url, data).status_code == 404, url
    assert IncidentEvent.objects.filter(incident=with_bully).count() == before
    assert with_bully.part_of(bully) == "alleged"


# --- the history keeps the old people list's meaning (migration 0004) ----------------------

MIGRATION_SCRIPT = textwrap.dedent("""
    import json, os
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    call_command("migrate", "incidents", "0003_keyed_history", verbosity=0)
    apps = MigrationExecutor(connection).loader.project_state(
        ("incidents", "0003_keyed_history")).apps
    School = apps.get_model("directory", "School")
    Person = apps.get_model("directory", "Person")
    Incident = apps.get_model("incidents", "Incident")
    Rating = apps.get_model("incidents", "Rating")
    school = School.objects.create(name="Hollins Park", slug="hp")
    def person(name, role):
        return Person.objects.create(username=name, role=role, school=school, password="!")
    victim, bully, other = person("victim", "pupil"), person("bully", "pupil"), person("o", "pupil")
    dsl, teacher = person("dsl", "dsl"), person("teacher", "teacher")
    now = timezone.now()
    def incident(ref, by, **extra):
        return Incident.objects.create(school=school, reference=ref, kind="cyberbullying",
                                       summary="s", description="d", reported_by=by,
                                       reported_at=now, **extra)
    own = incident("A", victim, reported_via="pupil")
    own.people.set([victim])
    # The old code let the victim be rated: they stay the reporter, never alleged.
    Rating.objects.create(incident=own, person=victim, rating="mild", rated_by=dsl, rated_at=now)
    staff = incident("B", teacher)
    staff.people.set([bully, other])
    Rating.objects.create(incident=staff, person=bully, rating="serious", rated_by=dsl,
                          rated_at=now)
    about = incident("C", dsl, subject_staff=teacher)
    about.people.set([teacher])
    call_command("migrate", verbosity=0)
    from esafety.incidents.models import Involvement
    print(json.dumps(sorted([row.incident.reference, row.person.username, row.part]
                            for row in Involvement.objects.all())))
""")


def test_the_migration_gives_everyone_already_listed_a_part(tmp_path):
    env = {**os.environ, "ESAFETY_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
           "esafety.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", MIGRATION_SCRIPT], env=env, cwd=os.getcwd(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        ["A", "victim", "reporter"], ["B", "bully", "alleged"], ["B", "o", "other"],
        ["C", "teacher", "alleged"]]


@pytest.fixture
def allegation(teacher, make_person):
    reporter = make_person(roles.SUPPORT_STAFF, username="ta")
    return actions.incident_report(actor=reporter, kind="staff_misuse", subject_staff=teacher,
                                   description="Saw Mr Teach messaging a pupil on Instagram")


def test_the_printed_record_shows_parts_and_withdrawn_ratings(with_bully, dsl, pupil, bully,
                                                               client_for):
    from tests.incidents.test_sanctions_and_letters import pdf_text

    actions.involvement_set(actor=dsl, incident=with_bully, person=pupil, part="target")
    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="mild")
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Rated too soon")
    response = client_for(dsl).get(reverse("incidents:record", args=[with_bully.pk]))
    text = pdf_text(response.content)
    assert "Pip Pupil (target / victim)" in text and "Bo Bully (alleged perpetrator)" in text
    assert "withdrawn by Dev Safeguard: Rated too soon" in text


def test_a_withdrawn_rating_is_not_counted_in_the_governors_report(with_bully, dsl, bully):
    import datetime

    from django.utils import timezone

    from esafety.incidents.report import build_report

    rating = actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="gross")
    actions.rating_withdraw(actor=dsl, rating=rating, reason="Wrong rating")
    today = timezone.localdate()
    report = build_report(school=with_bully.school, start=today - datetime.timedelta(days=60),
                          end=today)
    counts = dict(report.by_rating)  # the raw counts, before "fewer than 5"
    assert (counts["Gross"], counts["Not rated"]) == (0, 1)


def test_every_part_rating_and_sanction_change_keeps_the_history_verifiable(rated_bully, dsl,
                                                                              pupil, bully):
    from django.db import connection

    from esafety.incidents.chain import verify_incident

    actions.involvement_set(actor=dsl, incident=rated_bully, person=pupil, part="target")
    actions.sanction_record(actor=dsl, incident=rated_bully, person=bully, kind="none",
                            reasons="Apologised")
    assert verify_incident(rated_bully).ok
    # A part changed behind esafety's back (the victim made the alleged perpetrator).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_involvement SET part = 'alleged' WHERE person_id = %s "
                       "AND removed_at IS NULL", [pupil.pk])
    assert not verify_incident(rated_bully).ok
