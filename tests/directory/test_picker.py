"""The person picker: suggestions only from the people a role may see,
and a plain text box that the server resolves when there is no JavaScript."""

import pytest
from django import forms
from django.core.cache import cache

from esafety.directory import picker, roles
from esafety.directory.access import people_visible_to
from esafety.directory.models import Person


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_member(make_person):
    return make_person(roles.TEACHER, username="maria.lopez", first_name="Maria",
                       last_name="Lopez")


@pytest.fixture
def other_pupil(make_person):
    return make_person(roles.PUPIL, username="lola.lopez", first_name="Lola", last_name="Lopez",
                       year_group=5, form="5A")


def search(client, q, scope="everyone"):
    response = client.get("/people/search", {"q": q, "scope": scope})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return [r["username"] for r in response.json()["results"]]


# --- who sees whom ----------------------------------------------------------------------

def test_a_teacher_finds_pupils_and_staff(teacher, staff_member, other_pupil, client_for):
    assert search(client_for(teacher), "lopez") == ["lola.lopez", "maria.lopez"]


def test_a_pupil_finds_staff_but_never_other_pupils(pupil, staff_member, other_pupil, client_for):
    assert search(client_for(pupil), "lopez") == ["maria.lopez"]


@pytest.mark.parametrize("role", [roles.VISITOR, roles.SUPPORT_STAFF, roles.GOVERNOR])
def test_visitors_support_staff_and_governors_find_adults_only(role, make_person, staff_member,
                                                               other_pupil, client_for):
    viewer = make_person(role)
    assert search(client_for(viewer), "lopez") == ["maria.lopez"]


def test_a_parent_finds_staff_and_their_own_child_only(parent, pupil, staff_member, other_pupil,
                                                       client_for):
    client = client_for(parent)
    assert search(client, "lopez") == ["maria.lopez"]
    assert search(client, "pupil") == ["parent", "pupil"]  # themselves and their child


def test_another_school_finds_nobody_here(outsider, staff_member, other_pupil, client_for):
    assert search(client_for(outsider), "lopez") == []
    assert search(client_for(outsider), "maria.lopez") == []


def test_signed_out_people_get_nothing(client, staff_member):
    response = client.get("/people/search", {"q": "lopez"})
    assert response.status_code == 302 and "json" not in response.get("Content-Type", "")


def test_leavers_are_not_suggested(teacher, staff_member, client_for):
    staff_member.is_active = False
    staff_member.save()
    assert search(client_for(teacher), "lopez") == []


def test_the_scope_narrows_but_never_widens(teacher, pupil, staff_member, other_pupil,
                                            client_for):
    client = client_for(teacher)
    assert search(client, "lopez", scope="staff") == ["maria.lopez"]
    assert search(client, "lopez", scope="pupils") == ["lola.lopez"]
    assert search(client_for(pupil), "lopez", scope="pupils") == []
    assert search(client_for(pupil), "lopez", scope="no-such-scope") == ["maria.lopez"]


def test_the_case_scope_finds_parents_for_staff_but_never_for_pupils_or_visitors(
        teacher, dsl, pupil, parent, make_person, other_school, client_for):
    """Case teams add parents to a case (scope "case"); the viewer's own limits still hold."""
    make_person(roles.PARENT, school=other_school, username="pat.elsewhere", first_name="Pat",
                last_name="Pupil")
    assert search(client_for(dsl), "pat", scope="case") == ["parent"]
    assert search(client_for(teacher), "pat", scope="case") == ["parent"]
    assert search(client_for(dsl), "pat", scope="involved") == []
    visitor = make_person(roles.VISITOR)
    for viewer in (pupil, visitor):
        assert search(client_for(viewer), "pat", scope="case") == []
        assert search(client_for(viewer), "pat") == []


def test_searches_need_two_characters_and_give_twenty_at_most(teacher, make_person, client_for):
    for n in range(25):
        make_person(roles.PUPIL, last_name=f"Many{n:02d}")
    client = client_for(teacher)
    assert search(client, "m") == []
    assert search(client, " m ") == []
    assert len(search(client, "many")) == 20


def test_searches_are_rate_limited(teacher, client_for, monkeypatch):
    from esafety.directory import views

    monkeypatch.setattr(views, "SEARCHES_PER_MINUTE", 3)
    client = client_for(teacher)
    for _ in range(3):
        assert client.get("/people/search", {"q": "teach"}).status_code == 200
    refused = client.get("/people/search", {"q": "teach"})
    assert refused.status_code == 429 and refused.json()["results"] == []


def test_people_visible_to_follows_the_table(make_person, school):
    pupil = make_person(roles.PUPIL)
    for role in roles.ROLE_LABELS:
        viewer = make_person(role)
        sees_pupil = people_visible_to(viewer).filter(pk=pupil.pk).exists()
        expected = role in {roles.HEADTEACHER, roles.ASSISTANT_HEAD, roles.DSL,
                            roles.ONLINE_SAFETY_LEAD, roles.IT_MANAGER, roles.BUSINESS_MANAGER,
                            roles.TEACHER, roles.SUPPLY_TEACHER, roles.TRAINEE}
        assert sees_pupil == expected, role
        assert people_visible_to(viewer).filter(pk=viewer.pk).exists()  # always themselves


# --- the form field, without JavaScript ---------------------------------------------------

class OneForm(forms.Form):
    person = picker.PersonPickerField(label="Who?", queryset=Person.objects.none())

    def __init__(self, *args, school, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(school=school, is_active=True)
        if viewer is not None:
            picker.limit_pickers(self, viewer)


class ManyForm(forms.Form):
    people = picker.PeoplePickerField(label="Who?", required=False,
                                      queryset=Person.objects.none(), scope="involved")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = Person.objects.filter(school=school)


def chosen(data, school, **kwargs):
    form = OneForm({"person": data}, school=school, **kwargs)
    return form.cleaned_data["person"] if form.is_valid() else form.errors["person"]


def test_a_typed_name_username_or_suggestion_finds_the_person(school, staff_member, other_pupil):
    assert chosen("Maria Lopez", school) == staff_member
    assert chosen("  maria  ", school) == staff_member
    assert chosen("MARIA.LOPEZ", school) == staff_member
    assert chosen("Maria Lopez (maria.lopez)", school) == staff_member
    assert chosen(str(staff_member.pk), school) == staff_member  # a drop-down's value


def test_several_matches_are_listed_with_how_to_choose(school, staff_member, other_pupil):
    errors = chosen("Lopez", school)
    assert errors == ["Several people match “Lopez”: Lola Lopez (lola.lopez), Year 5, 5A; "
                      "Maria Lopez (maria.lopez), Teacher. Type one of them as shown, with the "
                      "username in brackets."]


def test_no_match_says_so(school, staff_member):
    assert chosen("Nobody Known", school) == [
        "Nobody called “Nobody Known” can be chosen here. Check the spelling, or type their "
        "username."]
    assert chosen("", school) == ["Type a name or username."]


def test_the_viewer_limits_what_a_typed_name_can_find(school, make_person, other_pupil,
                                                      staff_member):
    visitor = make_person(roles.VISITOR)
    assert chosen("Lola Lopez (lola.lopez)", school, viewer=visitor) == [
        "Nobody called “Lola Lopez” can be chosen here. Check the spelling, or type their "
        "username."]
    assert chosen(str(other_pupil.pk), school, viewer=visitor)[0].startswith("Nobody called")
    # Several-match messages never list people the viewer may not see.
    assert chosen("Lopez", school, viewer=visitor) == staff_member


def test_another_schools_person_cannot_be_typed(school, outsider):
    assert chosen("outsider", school)[0].startswith("Nobody called")


def test_several_people_at_once(school, staff_member, other_pupil, pupil):
    form = ManyForm({"people": "Maria Lopez; lola.lopez, Pip Pupil (pupil)"}, school=school)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["people"] == [staff_member, other_pupil, pupil]
    listed = ManyForm({"people": [str(staff_member.pk), str(pupil.pk)]}, school=school)
    assert listed.is_valid() and listed.cleaned_data["people"] == [staff_member, pupil]
    bad = ManyForm({"people": "Maria Lopez; Zed"}, school=school)
    assert not bad.is_valid()
    assert bad.errors["people"] == ["Nobody called “Zed” can be chosen here. Check the "
                                    "spelling, or type their username."]
    empty = ManyForm({"people": ""}, school=school)
    assert empty.is_valid() and empty.cleaned_data["people"] == []


def test_a_long_list_is_a_search_box_and_a_short_one_a_drop_down(school, make_person,
                                                                 staff_member):
    short = str(OneForm(school=school)["person"])
    assert short.startswith("<select") and "Maria Lopez (Teacher)" in short
    for _n in range(picker.SELECT_UP_TO):
        make_person(roles.PUPIL)
    long = str(OneForm(school=school)["person"])
    assert long.startswith('<input type="text" name="person"')
    assert 'data-person-picker="/people/search?scope=everyone"' in long
    assert 'list="id_person-suggestions"' in long and "<datalist" in long
    assert "/static/esafety/picker.js" in long and "<option" not in long
    many = str(ManyForm(school=school)["people"])
    assert "data-multiple" in many and "scope=involved" in many


def test_a_bound_form_shows_what_was_typed(school, staff_member):
    for n in range(picker.SELECT_UP_TO + 1):
        Person.objects.create(username=f"p{n}", role=roles.PUPIL, school=school, year_group=3)
    form = OneForm({"person": "Maria <b>"}, school=school)
    assert not form.is_valid()
    assert 'value="Maria &lt;b&gt;"' in str(form["person"])
    initial = OneForm(initial={"person": staff_member.pk}, school=school)
    assert 'value="Maria Lopez (maria.lopez)"' in str(initial["person"])
    same = OneForm({"person": "maria lopez"}, initial={"person": staff_member.pk}, school=school)
    assert not same.has_changed()
    assert OneForm({"person": "p1"}, initial={"person": staff_member.pk},
                   school=school).has_changed()


def test_suggestions_work_before_the_aup_is_accepted(headteacher, teacher, staff_member,
                                                     client_for):
    # The report form is open whatever the AUP state; so is its picker.
    import datetime

    from django.utils import timezone

    from esafety.policies import actions as policy_actions

    document = policy_actions.policy_document_create(
        actor=headteacher, school=headteacher.school, title="Staff AUP",
        audience=roles.AUDIENCE_STAFF, responsible_person=headteacher)
    today = timezone.localdate()
    policy_actions.policy_publish(
        actor=headteacher, document=document, number="1.0", text="Rules.",
        approved_by="Governors", approved_on=today - datetime.timedelta(days=1),
        review_due=today + datetime.timedelta(days=365))
    client = client_for(teacher)
    assert client.get("/people/").status_code in (302, 404)  # behind the gate elsewhere
    assert search(client, "lopez") == ["maria.lopez"]


def test_the_whole_name_typed_wins_over_longer_names(school, make_person):
    sam = make_person(roles.PUPIL, first_name="Sam", last_name="Jones")
    for n in range(12):
        make_person(roles.PUPIL, first_name="Sam", last_name=f"Jonesy{n}")
    assert chosen("sam  JONES", school) == sam


def test_junk_is_refused_plainly(school, staff_member):
    assert chosen("x" * 301, school) == ["That is too long for a name (300 characters at most)."]
    assert chosen("((((" * 50 + ")", school)[0].startswith("Nobody called")
    many = ManyForm({"people": ";".join(["maria"] * 51)}, school=school)
    assert not many.is_valid()
    assert many.errors["people"] == ["Name 50 people at most here; describe any others in words."]


def test_null_characters_are_refused_not_a_server_error(school, teacher, staff_member,
                                                        client_for):
    assert chosen("maria\x00", school) == ["A name cannot hold a null character."]
    assert search(client_for(teacher), "lop\x00ez") == ["maria.lopez"]
