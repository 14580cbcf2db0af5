"""The snapshot's new keys, and republication after every change to people and AUP answers."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from esafety.directory import actions as directory
from esafety.directory import roles
from esafety.directory.importing import import_people
from esafety.filtering import publish
from esafety.network import actions
from esafety.network import publishing as network_publishing
from esafety.network.models import ClientBinding, NetworkSettings
from esafety.network.testing import bind_address
from esafety.policies import actions as policies
from esafety.policies.models import Acceptance, PolicyDocument


@pytest.fixture
def pupils_aup(school, headteacher):
    document = PolicyDocument.objects.create(school=school, title="KS3 AUP",
                                             audience=roles.AUDIENCE_KS3)
    return policies.policy_publish(actor=headteacher, document=document, number="1",
                                   text="Be kind online.", approved_by="Governors",
                                   approved_on=datetime.date(2026, 1, 1),
                                   review_due=datetime.date(2027, 1, 1))


def test_policy_json_has_the_network_keys(school, pupil, published):
    publish.publish_policy(school)
    data = published("policy.json")
    assert data["users"]["pupil"] == ["ks3", "8B"]
    assert data["refused"] == {}
    assert data["aup_pending"] == []
    assert data["unidentified"] == "signin"
    assert data["signin_page"] == "http://127.0.0.1:8000/internet/sign-in/?school=hollins-park"
    assert data["aup_page"] == "http://127.0.0.1:8000/internet/aup/?school=hollins-park"
    assert data["web_hosts"] == ["127.0.0.1"]


def test_the_portal_follows_the_block_page_address(school, settings, monkeypatch):
    monkeypatch.setenv("ESAFETY_BLOCK_PAGE_URL", "https://esafety.school.internal/filtering/blocked/")
    data = publish.build_policy(school)
    assert data["signin_page"] == ("https://esafety.school.internal/internet/sign-in/"
                                   "?school=hollins-park")
    assert data["web_hosts"] == ["esafety.school.internal"]


def test_the_school_may_let_unidentified_computers_browse_as_guests(school, it_manager,
                                                                   publishing, published):
    with publishing():
        actions.settings_change(actor=it_manager, school=school, unidentified="guests",
                                extra_web_hosts="login.microsoftonline.com")
    data = published("policy.json")
    assert data["unidentified"] == "guests"
    assert data["web_hosts"] == ["127.0.0.1", "login.microsoftonline.com"]


def test_a_leaver_vanishes_from_users_appears_in_refused_and_their_bindings_end(
        school, pupil, headteacher, publishing, published):
    bind_address("10.0.0.5", pupil.username)
    bind_address("10.0.0.6", pupil.username)
    with publishing():
        directory.person_leave(actor=headteacher, person=pupil)
    data = published("policy.json")
    assert "pupil" not in data["users"]
    assert data["refused"] == {"pupil": "left"}
    assert published("bindings.json")["bindings"] == {}
    assert set(ClientBinding.objects.values_list("ended_reason", flat=True)) == {"left"}
    # Reinstated: back in users, out of refused (their old sign-ins stay ended).
    with publishing():
        directory.person_reinstate(actor=headteacher, person=pupil)
    data = published("policy.json")
    assert "pupil" in data["users"] and data["refused"] == {}
    assert not ClientBinding.objects.open().exists()


def test_a_leaver_from_a_later_date_keeps_browsing_until_then(school, pupil, headteacher,
                                                               publishing, published):
    bind_address("10.0.0.5", pupil.username)
    with publishing():
        directory.person_leave(actor=headteacher, person=pupil,
                               left_on=timezone.localdate() + datetime.timedelta(days=3))
    assert "pupil" in published("policy.json")["users"]
    assert ClientBinding.objects.open().count() == 1


def test_expired_and_switched_off_accounts_are_refused_with_their_reason(
        school, make_person, publishing, published):
    make_person(roles.VISITOR, username="gone.guest",
                access_expires_at=timezone.now() - datetime.timedelta(hours=1))
    make_person(roles.TEACHER, username="off.teacher", is_active=False)
    publish.publish_policy(school)
    assert published("policy.json")["refused"] == {"gone.guest": "expired",
                                                   "off.teacher": "inactive"}


def test_another_schools_people_are_not_in_this_schools_snapshot(school, outsider, pupil):
    data = publish.build_policy(school)
    assert "outsider" not in data["users"] and "outsider" not in data["refused"]


def test_a_guest_whose_access_is_ended_early_is_refused_and_signed_out(
        school, make_person, it_manager, publishing, published):
    guest = make_person(roles.VISITOR, username="guest")
    bind_address("10.0.0.7", "guest")
    with publishing():
        directory.guest_extend(actor=it_manager, person=guest,
                               expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert published("policy.json")["refused"] == {"guest": "expired"}
    assert ClientBinding.objects.get().ended_reason == "expired"


def test_a_new_guest_and_a_role_change_are_published(school, headteacher, make_person,
                                                     publishing, published):
    with publishing():
        directory.guest_add(actor=headteacher, school=school, role=roles.VISITOR,
                            first_name="Vi", last_name="Sitor", username="vi.sitor",
                            expires_at=timezone.now() + datetime.timedelta(hours=3))
    assert published("policy.json")["users"]["vi.sitor"] == ["guests", ""]
    with publishing():
        directory.person_role_change(actor=headteacher,
                                     person=directory.Person.objects.get(username="vi.sitor"),
                                     role=roles.TEACHER)
    assert published("policy.json")["users"]["vi.sitor"] == ["staff", ""]


def test_an_import_that_records_a_leaver_publishes_once(school, make_person, headteacher,
                                                        publishing, published, monkeypatch):
    make_person(roles.TEACHER, username="imp", external_id="S1")
    bind_address("10.0.0.8", "imp")
    calls = []
    real = publish.publish_policy
    monkeypatch.setattr(network_publishing.publish, "publish_policy",
                        lambda s: calls.append(s) or real(s))
    csv = (b"id,first_name,last_name,email,role,leaving_date\n"
           b"S1,Imo,Teach,imo@example.org,teacher," + timezone.localdate().isoformat().encode()
           + b"\nS2,New,Teach,new@example.org,teacher,\n")
    with publishing():
        import_people(csv, school=school, kind="staff", actor=headteacher)
    assert len(calls) == 1
    data = published("policy.json")
    assert data["refused"] == {"imp": "left"}
    assert published("bindings.json")["bindings"] == {}


def test_a_pupil_who_declined_the_aup_is_pending_until_they_accept(
        school, pupil, pupils_aup, publishing, published):
    with publishing():
        policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                   decision=Acceptance.DECLINED)
    data = published("policy.json")
    assert data["aup_pending"] == ["pupil"]
    assert "pupil" in data["users"]  # still a user: the helper sends them to the AUP page
    with publishing():
        policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                   decision=Acceptance.ACCEPTED)
    assert published("policy.json")["aup_pending"] == []


def test_a_new_aup_version_makes_its_audience_pending_again(school, pupil, headteacher,
                                                           pupils_aup, publishing, published):
    policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                               decision=Acceptance.ACCEPTED)
    with publishing():
        policies.policy_publish(actor=headteacher, document=pupils_aup.document, number="2",
                                text="Be kinder online.", approved_by="Governors",
                                approved_on=datetime.date(2026, 2, 1),
                                review_due=datetime.date(2027, 2, 1))
    assert published("policy.json")["aup_pending"] == ["pupil"]


def test_people_without_an_aup_for_their_audience_are_not_pending(school, teacher, pupil,
                                                                  pupils_aup):
    # Only the KS3 pupils' AUP exists: staff have nothing to accept yet.
    assert publish.build_policy(school)["aup_pending"] == ["pupil"]


def test_one_publication_per_transaction_per_school(school, pupil, teacher, headteacher,
                                                    pupils_aup, publishing, monkeypatch):
    calls = []
    real_policy, real_bindings = publish.publish_policy, network_publishing.write_bindings
    monkeypatch.setattr(network_publishing.publish, "publish_policy",
                        lambda s: calls.append(("policy", s.slug)) or real_policy(s))
    monkeypatch.setattr(network_publishing, "write_bindings",
                        lambda s: calls.append(("bindings", s.slug)) or real_bindings(s))
    with publishing():
        with transaction.atomic():
            actions.binding_start(actor=teacher, school=school, address="10.0.0.1")
            actions.binding_start(actor=pupil, school=school, address="10.0.0.2")
            policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                       decision=Acceptance.DECLINED)
            directory.person_leave(actor=headteacher, person=teacher)
            actions.settings_change(actor=headteacher, school=school, idle_minutes=20)
    assert sorted(calls) == [("bindings", "hollins-park"), ("policy", "hollins-park")]


def test_the_next_transaction_publishes_again(school, pupil, headteacher, pupils_aup,
                                              publishing, published):
    with publishing():
        policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                   decision=Acceptance.DECLINED)
    first = published("policy.json")["version"]
    with publishing():
        policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                   decision=Acceptance.ACCEPTED)
    assert int(published("policy.json")["version"]) == int(first) + 1


def test_a_rolled_back_change_publishes_nothing(school, pupil, headteacher, publishing,
                                                published):
    with publishing():
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                directory.person_leave(actor=headteacher, person=pupil)
                raise RuntimeError("something later failed")
    assert published("policy.json") is None
    assert published("bindings.json") is None


def test_a_failed_publication_does_not_undo_the_change(school, pupil, headteacher,
                                                       publishing, monkeypatch):
    def broken(_school):
        raise OSError("disk full")

    monkeypatch.setattr(network_publishing.publish, "publish_policy", broken)
    with publishing():
        directory.person_leave(actor=headteacher, person=pupil)
    pupil.refresh_from_db()
    assert pupil.left_on is not None


def test_filtering_rule_changes_publish_through_the_same_coalescing(school, it_manager,
                                                                   publishing, monkeypatch):
    from esafety.filtering import actions as filtering
    from esafety.filtering.models import Category

    category = Category.objects.create(school=school, name="games", label="Games")
    calls = []
    monkeypatch.setattr(network_publishing.publish, "publish_policy",
                        lambda s: calls.append(s.slug))
    with publishing():
        with transaction.atomic():
            filtering.group_rule_set(actor=it_manager, school=school, category=category,
                                     group="ks3", action="block")
            filtering.group_rule_set(actor=it_manager, school=school, category=category,
                                     group="ks4", action="block")
    assert calls == ["hollins-park"]
    assert NetworkSettings.objects.count() == 0  # a rule change does not touch bindings


def _queries_for_network_keys(school):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from esafety.network import snapshot

    with CaptureQueriesContext(connection) as queries:
        snapshot.policy_keys(school, "http://127.0.0.1:8000/filtering/blocked/")
    return len(queries)


def test_the_network_keys_cost_the_same_queries_for_ten_people_or_fifty(
        school, make_person, pupils_aup, headteacher):
    def add(n):
        for i in range(n):
            pupil = make_person(roles.PUPIL, year_group=8)
            if i % 3 == 0:
                directory.person_leave(actor=headteacher, person=pupil)
            elif i % 3 == 1:
                policies.acceptance_record(actor=pupil, person=pupil, version=pupils_aup,
                                           decision=Acceptance.DECLINED)

    add(10)
    few = _queries_for_network_keys(school)
    add(40)
    assert _queries_for_network_keys(school) == few
